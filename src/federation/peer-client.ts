/** Why a peer's answer was not used: named in the outcome entry, never a 5xx of ours. */
export class PeerFailure extends Error {}

/** A peer's JSON answer larger than this is cut off (the hub never buffers an unbounded body). */
export const MAX_PEER_ANSWER_BYTES = 5 * 1024 * 1024;

export interface PeerRequest {
  method?: 'GET' | 'POST';
  token: string;
  body?: unknown;
  /** The whole exchange (headers and body) must finish within this time. */
  timeoutMs: number;
  maxBytes?: number;
}

export interface PeerAnswer {
  status: number;
  json: unknown;
}

/** Calls a peer (or the metahub) and reads its FHIR JSON answer, within the time and size limits. */
export async function callPeer(url: string, request: PeerRequest): Promise<PeerAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method ?? 'GET',
      redirect: 'manual',
      signal: controller.signal,
      headers: {
        Authorization: `Bearer ${request.token}`,
        Accept: 'application/fhir+json',
        ...(request.body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await readLimited(response, request.maxBytes ?? MAX_PEER_ANSWER_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PeerFailure(`answered HTTP ${response.status} with a body that is not JSON`);
    }
    return { status: response.status, json };
  } catch (err) {
    if (err instanceof PeerFailure) throw err;
    if (controller.signal.aborted) throw new PeerFailure(`did not answer within ${request.timeoutMs} ms`);
    throw new PeerFailure('could not be reached');
  } finally {
    clearTimeout(timer);
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new PeerFailure(`answer larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PeerFailure(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface PeerStream {
  status: number;
  contentType: string;
  contentLength?: string;
  body: ReadableStream<Uint8Array> | null;
  /** Stops the total-time guard once the transfer is over. */
  finished(): void;
}

/** Opens a peer's raw content (`$content`): headers within `connectMs`, the whole body within `totalMs`. */
export async function openPeerStream(url: string, token: string, connectMs: number, totalMs: number): Promise<PeerStream> {
  const controller = new AbortController();
  const connect = setTimeout(() => controller.abort(), connectMs);
  // A peer that stalls mid-stream is cut: the abort errors the body stream.
  const total = setTimeout(() => controller.abort(), totalMs);
  try {
    const response = await fetch(url, { redirect: 'manual', signal: controller.signal, headers: { Authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      contentLength: response.headers.get('content-length') ?? undefined,
      body: response.body,
      finished: () => clearTimeout(total),
    };
  } catch {
    clearTimeout(total);
    throw new PeerFailure(controller.signal.aborted ? `did not answer within ${connectMs} ms` : 'could not be reached');
  } finally {
    clearTimeout(connect);
  }
}
