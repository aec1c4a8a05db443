import { OperationOutcomeError } from '@medplum/core';
import { invalidRequest, message } from '../messages/message';
import { MAX_JSON_DEPTH } from './input-limits';

/**
 * The PATCH entries of a transaction, decoded as the batch engine will decode them (a Binary
 * holding a JSON Patch, or a Parameters of `operation` parts whose values are JSON text), before
 * any entry runs. The engine throws a bare exception on a body it cannot decode, and a transaction
 * passes it on whole: a 500. Here it is a 400 naming the entry, and nothing is written. (A batch
 * answers such an entry with its own 400: patchEntryRefusals.)
 */
export function assertTransactionPatches(bundle: Record<string, unknown>, assertJsonPatch: (ops: unknown, at: string) => void): void {
  if (bundle.type !== 'transaction') return;
  const first = patchEntryRefusals(bundle, assertJsonPatch).values().next();
  if (!first.done) throw first.value;
}

/**
 * The refusal of each PATCH entry of a batch or transaction whose decoded patch the hub does not
 * take, by entry index. The engine's own decoding of a value nested thousands of levels deep
 * overflows its stack, and its answer quoted that ("Maximum call stack size exceeded").
 */
export function patchEntryRefusals(bundle: Record<string, unknown>, assertJsonPatch: (ops: unknown, at: string) => void): Map<number, OperationOutcomeError> {
  const refusals = new Map<number, OperationOutcomeError>();
  if (!Array.isArray(bundle.entry)) return refusals;
  bundle.entry.forEach((entry: unknown, i) => {
    try {
      assertPatchEntry(entry, `Bundle.entry[${i}].resource`, assertJsonPatch);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      refusals.set(i, err);
    }
  });
  return refusals;
}

function assertPatchEntry(entry: unknown, at: string, assertJsonPatch: (ops: unknown, at: string) => void): void {
  const { request, resource } = (isObject(entry) ? entry : {}) as { request?: unknown; resource?: unknown };
  if (!isObject(request) || request.method !== 'PATCH' || !isObject(resource)) return;
  const ops =
    resource.resourceType === 'Binary' && typeof resource.data === 'string'
      ? decodedBinary(resource.data, at)
      : resource.resourceType === 'Parameters'
        ? decodedParameters(resource.parameter, at)
        : undefined;
  if (ops === undefined) return;
  // Decoded from base64 or text, it never met the body's limits: a deep value overflowed the engine's stack (a 500).
  if (nestedDeeperThan(ops, MAX_JSON_DEPTH)) throw new OperationOutcomeError(invalidRequest(message('nested-too-deep', { max: MAX_JSON_DEPTH }), at));
  assertJsonPatch(ops, at);
}

/** Whether a JSON value nests deeper than `max` (looks no deeper than that). */
function nestedDeeperThan(value: unknown, max: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= max) return true;
  return (Array.isArray(value) ? value : Object.values(value)).some((v: unknown) => nestedDeeperThan(v, max, depth + 1));
}

function decodedBinary(data: string, at: string): unknown {
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw new OperationOutcomeError(invalidRequest(message('patch-not-array'), `${at}.data`));
  }
}

/** Each `operation` parameter as the JSON Patch operation it stands for; a value that is not JSON text is refused. */
function decodedParameters(parameters: unknown, at: string): unknown[] {
  if (!Array.isArray(parameters)) return [];
  return parameters.flatMap((parameter: unknown, j) => {
    if (!isObject(parameter) || parameter.name !== 'operation') return [];
    const parts: unknown[] = Array.isArray(parameter.part) ? parameter.part : [];
    const op: Record<string, unknown> = {};
    for (const part of parts) {
      if (!isObject(part)) continue;
      if (part.name === 'op') op.op = part.valueCode;
      if (part.name === 'path' || part.name === 'from') op[part.name] = part.valueString;
      if (part.name === 'value') {
        try {
          op.value = JSON.parse(typeof part.valueString === 'string' ? part.valueString : '') as unknown;
        } catch {
          throw new OperationOutcomeError(invalidRequest(message('patch-operation-invalid'), `${at}.parameter[${j}]`));
        }
      }
    }
    return [op];
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
