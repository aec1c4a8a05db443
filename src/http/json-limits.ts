import { MAX_JSON_DEPTH, MAX_STRING_LENGTH } from '../fhir/input-limits';
import { type Message, message } from '../messages/message';

export interface JsonLimitProblem {
  message: Message;
  /** Where in the body: a FHIR-style path from the resource type (or `$`, the body, when it names none). */
  path: string;
}

/** One open object or array while scanning: the key or index being read in it. */
interface Frame {
  array: boolean;
  key?: string;
  index: number;
}

/**
 * SPEC §1's nesting and string limits, checked on the raw JSON text before JSON.parse builds
 * anything: a body of 10,000 nested arrays or a megabyte-long key is refused in one linear pass
 * instead of reaching the parser's and the validator's recursion. Strings under a `data` key
 * (Binary.data, Attachment.data) may be longer; the resource check then holds every other
 * `data` to the limit by its FHIR type. Returns what is wrong and where, or undefined.
 */
export function jsonLimitProblem(text: string): JsonLimitProblem | undefined {
  const frames: Frame[] = [];
  // Paths read like FHIR expressions when the body starts with its resourceType (as FHIR JSON usually does).
  const root = /^\s*\{\s*"resourceType"\s*:\s*"([A-Za-z]{1,64})"/.exec(text.slice(0, 256))?.[1] ?? '$';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length >= MAX_JSON_DEPTH) return { message: message('json-too-deep', { max: MAX_JSON_DEPTH }), path: pathOf(root, frames) };
      frames.push({ array: c === 0x5b, index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
    } else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top?.array) top.index++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined; // unterminated: JSON.parse reports it
      const top = frames[frames.length - 1];
      const isKey = !!top && !top.array && /^\s*:/.test(text.slice(end + 1, end + 64));
      const rawLength = end - i - 1;
      if (rawLength > MAX_STRING_LENGTH && (isKey || top?.key !== 'data') && decodedLength(text, i, end) > MAX_STRING_LENGTH) {
        return { message: message('json-string-too-long', { max: MAX_STRING_LENGTH }), path: pathOf(root, frames) };
      }
      if (isKey) top.key = rawLength <= 64 ? text.slice(i + 1, end) : `${text.slice(i + 1, i + 65)}…`;
      i = end;
    }
  }
  return undefined;
}

function pathOf(root: string, frames: Frame[]): string {
  let path = root;
  for (const f of frames) {
    if (f.array) path += `[${f.index}]`;
    else if (f.key !== undefined) path += `.${f.key}`;
  }
  return path;
}

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    let backslashes = 0;
    for (let j = i - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}

/** Escapes make the raw text longer than the string: counted exactly only for the rare long one. */
function decodedLength(text: string, start: number, end: number): number {
  try {
    return (JSON.parse(text.slice(start, end + 1)) as string).length;
  } catch {
    return end - start - 1;
  }
}
