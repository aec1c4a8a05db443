import { MAX_JSON_DEPTH, MAX_STRING_LENGTH } from '../fhir/input-limits';

/**
 * SPEC §1's nesting and string limits, checked on the raw JSON text before JSON.parse builds
 * anything: a body of 10,000 nested arrays or a megabyte-long key is refused in one linear pass
 * instead of reaching the parser's and the validator's recursion. Strings under a `data` key
 * (Binary.data, Attachment.data) may be longer; the resource check then holds every other
 * `data` to the limit by its FHIR type. Returns what is wrong, or undefined.
 */
export function jsonLimitProblem(text: string): string | undefined {
  let depth = 0;
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
      lastKey = undefined;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined; // unterminated: JSON.parse reports it
      const isKey = /^\s*:/.test(text.slice(end + 1, end + 64));
      const rawLength = end - i - 1;
      if (rawLength > MAX_STRING_LENGTH && (isKey || lastKey !== 'data') && decodedLength(text, i, end) > MAX_STRING_LENGTH) {
        return `JSON string longer than ${MAX_STRING_LENGTH} characters`;
      }
      lastKey = isKey && rawLength < 64 ? text.slice(i + 1, end) : undefined;
      i = end;
    }
  }
  return undefined;
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
