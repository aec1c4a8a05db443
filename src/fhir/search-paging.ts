import { OperationOutcomeError, type SortRule } from '@medplum/core';
import { invalidRequest, message } from '../messages/message';
import type { KeyValue, SortKey } from '../store/keyset';
import { indexedParameters } from './search-index';

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

export function sortKeysOf(resourceType: string, rules: SortRule[] | undefined): SortKey[] {
  return (rules ?? []).map((rule) => {
    if (rule.code === '_id') return { field: 'id', descending: !!rule.descending };
    if (rule.code === '_lastUpdated') return { field: 'lastUpdated', descending: !!rule.descending };
    if (!indexedParameters(resourceType).some((p) => p.param.code === rule.code)) {
      throw new OperationOutcomeError(invalidRequest(message('search-sort-unknown', { name: rule.code, type: resourceType }), '_sort'));
    }
    return { field: `sort.${rule.code}`, descending: !!rule.descending };
  });
}

export interface Cursor {
  direction: 'after' | 'before';
  values: KeyValue[];
}

/** Opaque to clients: the key values of the boundary row, base64url JSON (Dates tagged). */
export function encodeCursor(cursor: Cursor): string {
  const values = cursor.values.map((v) => (v instanceof Date ? { d: v.toISOString() } : v));
  return Buffer.from(JSON.stringify({ [cursor.direction === 'after' ? 'a' : 'b']: values })).toString('base64url');
}

export function decodeCursor(text: string, keyCount: number): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { a?: unknown[]; b?: unknown[] };
    const raw = parsed.a ?? parsed.b;
    if (!Array.isArray(raw) || raw.length !== keyCount) throw new Error('shape');
    const values = raw.map((v) => {
      if (v !== null && typeof v === 'object' && typeof (v as { d?: unknown }).d === 'string') return new Date((v as { d: string }).d);
      if (v === null || ['string', 'number'].includes(typeof v)) return v as KeyValue;
      throw new Error('value');
    });
    return { direction: parsed.a ? 'after' : 'before', values };
  } catch {
    throw new OperationOutcomeError(invalidRequest(message('paging-cursor-invalid'), '_cursor'));
  }
}

/** The cursor of a trail read (trail-search.ts): per chain, the sequence number the next page starts at. */
export function encodeTrailCursor(positions: Record<string, number>): string {
  return Buffer.from(JSON.stringify({ t: positions })).toString('base64url');
}

export function decodeTrailCursor(text: string): Record<string, number> {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { t?: unknown };
    const positions = parsed.t;
    if (!positions || typeof positions !== 'object' || Array.isArray(positions)) throw new Error('shape');
    const entries = Object.entries(positions as Record<string, unknown>);
    if (!entries.every(([, seq]) => Number.isSafeInteger(seq) && (seq as number) >= 0)) throw new Error('value');
    return Object.fromEntries(entries) as Record<string, number>;
  } catch {
    throw new OperationOutcomeError(invalidRequest(message('paging-cursor-invalid'), '_cursor'));
  }
}
