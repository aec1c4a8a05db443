import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { auditRequest } from '../audit/audit-request';
import type { Hub } from '../hub-parts';
import { ContentError, openSourceContent, resolveDocumentContent, type OpenedSource } from '../hub/content-retrieval';
import { requestRepository } from './request-repository';
import { sendOutcome } from './send-fhir';

/** The route of `GET /fhir/DocumentReference/{id}/$content`, below the /fhir router. */
export const DOCUMENT_CONTENT_PATH = /^\/DocumentReference\/([A-Za-z0-9\-.]{1,64})\/\$content$/;

/**
 * ITI-68 through the hub: the caller's repository decides whether the document exists for them,
 * the content is fetched from its source (or the hub's safe) and streamed with its content type.
 * The request is audited with its final status before the first byte leaves.
 */
export function documentContent(hub: Hub) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = (req.params as Record<string, string>)[0];
    // Facts scoped to the document's patient, as a read of it, and its content in the safe held to
    // that patient (request-scope.ts; test/policy/scoped-operations.test.ts, "a document whose
    // content in the safe is another patient's").
    const repo = await requestRepository(hub, req, res, { resource: { type: 'DocumentReference', id }, followsSafeContent: true });
    const audited = (status: number) => auditRequest(hub, repo, { method: 'GET', url: req.url.replace(/^\/+/, ''), status });
    let safe: Buffer | undefined;
    let opened: OpenedSource | undefined;
    let contentType: string;
    try {
      const content = await resolveDocumentContent(repo, id);
      if (content.kind === 'safe') {
        safe = content.data;
        contentType = content.contentType;
      } else {
        opened = await openSourceContent(content.url, content.contentType, {
          connectTimeoutMs: hub.config.contentConnectTimeoutMs,
          totalTimeoutMs: hub.config.contentTotalTimeoutMs,
        });
        contentType = opened.contentType;
      }
    } catch (err) {
      const answer =
        err instanceof ContentError ? err : err instanceof OperationOutcomeError ? new ContentError(getStatus(err.outcome), err.outcome) : undefined;
      if (!answer) throw err;
      await audited(answer.status);
      sendOutcome(req, res, answer.outcome, answer.status);
      return;
    }
    try {
      await audited(200);
    } catch (err) {
      opened?.body.destroy();
      throw err;
    }
    res.status(200).setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    if (safe) {
      res.end(safe);
      return;
    }
    const source = opened as OpenedSource;
    if (source.contentLength) res.setHeader('Content-Length', source.contentLength);
    // A source that stalls past the total timeout errors the stream: the transfer is cut.
    await pipeline(source.body, res).catch((err: unknown) => {
      hub.log.warn('document content transfer cut', { requestId: res.locals.requestId, reason: err instanceof Error ? err.message : String(err) });
      res.destroy();
    });
  };
}
