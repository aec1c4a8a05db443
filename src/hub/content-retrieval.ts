import type { Binary, Composition, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HubRepository } from '../fhir/hub-repository';
import { relativeReference } from '../fhir/search-values';
import { message, messageOutcome, type Message } from '../messages/message';
import { registeredSourceFor } from './content-sources';
import { isContentUrl } from './document-publication';

/** Where a visible document's content is: at its source system, or in the hub's safe. */
export type DocumentContent = { kind: 'source'; url: string; contentType?: string } | { kind: 'safe'; contentType: string; data: Buffer };

/** An answer of `$content` that is not the content: its HTTP status and OperationOutcome. */
export class ContentError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome
  ) {
    super(outcome.issue?.[0]?.details?.text ?? 'content error');
  }
}

function contentError(status: number, code: 'not-found' | 'transient' | 'timeout' | 'forbidden' | 'exception', m: Message): ContentError {
  return new ContentError(status, messageOutcome(m, code));
}

/**
 * `DocumentReference/{id}/$content` (IHE ITI-68), the part without transport: the document is read
 * as the caller (invisible = 404, and nothing about its source is told), then its first
 * attachment tells where the bytes are. `Binary/<id>` and the SUMEHR's `Composition/<id>` are in
 * the safe and read under their own policy (a Binary follows its securityContext document).
 */
export async function resolveDocumentContent(repo: HubRepository, id: string): Promise<DocumentContent> {
  const doc = await repo.readResource<DocumentReference>('DocumentReference', id);
  const attachment = doc.content?.find((c) => c.attachment?.url)?.attachment;
  if (!attachment?.url) throw contentError(404, 'not-found', message('content-none'));
  const local = relativeReference(attachment.url, repo.ctx.baseUrl);
  if (local.startsWith('Binary/')) {
    const binary = await repo.readResource<Binary>('Binary', local.split('/')[1]);
    return {
      kind: 'safe',
      contentType: binary.contentType ?? attachment.contentType ?? 'application/octet-stream',
      data: Buffer.from(binary.data ?? '', 'base64'),
    };
  }
  if (local.startsWith('Composition/')) {
    const composition = await repo.readResource<Composition>('Composition', local.split('/')[1]);
    return { kind: 'safe', contentType: 'application/fhir+json', data: Buffer.from(JSON.stringify(composition)) };
  }
  if (!isContentUrl(attachment.url, repo.ctx.baseUrl)) throw contentError(502, 'exception', message('content-source-unfetchable'));
  // Checked again at every fetch (SPEC §4): the Endpoint may have been ended since publication.
  const { baseUrl, now } = repo.ctx;
  if (!(await registeredSourceFor(repo.port, doc.custodian?.reference, attachment.url, baseUrl, now))) {
    throw contentError(502, 'forbidden', message('content-source-not-trusted'));
  }
  return { kind: 'source', url: attachment.url, contentType: attachment.contentType };
}

export interface SourceOptions {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface OpenedSource {
  contentType: string;
  contentLength?: string;
  body: Readable;
}

/**
 * Opens the document's content at its source system, which resolveDocumentContent found
 * registered (content-sources.ts). The source must answer within the connect
 * timeout and deliver everything within the total timeout (past it the stream errors and the
 * transfer is cut); redirects are not followed (a redirect could lead the hub anywhere).
 * Unreachable, timed out, redirected or failing sources are 502; a 404/410 at the source is a 404
 * that says the source no longer holds the content.
 */
export async function openSourceContent(url: string, fallbackType: string | undefined, options: SourceOptions): Promise<OpenedSource> {
  const controller = new AbortController();
  const total = setTimeout(() => controller.abort(), options.totalTimeoutMs);
  const connect = setTimeout(() => controller.abort(), options.connectTimeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'manual', headers: { accept: fallbackType ? `${fallbackType}, */*;q=0.5` : '*/*' } });
  } catch {
    clearTimeout(total);
    throw contentError(502, 'transient', message('content-source-silent'));
  } finally {
    clearTimeout(connect);
  }
  if (!response.ok || !response.body) {
    clearTimeout(total);
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404 || response.status === 410) throw contentError(404, 'not-found', message('content-source-gone'));
    throw contentError(502, 'transient', message('content-source-error'));
  }
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream);
  body.on('close', () => clearTimeout(total));
  return {
    contentType: response.headers.get('content-type') ?? fallbackType ?? 'application/octet-stream',
    contentLength: response.headers.get('content-length') ?? undefined,
    body,
  };
}
