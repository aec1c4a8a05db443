import type { Resource } from '@medplum/fhirtypes';

/**
 * One resource as kept in its type's collection: the FHIR JSON untouched in `r`, plus the sidecars
 * that searches and the access policy query. Short field names keep index keys small.
 */
export interface StoredResource<T extends Resource = Resource> {
  _id: string;
  /** versionId as a number, the optimistic-concurrency token. */
  v: number;
  /** meta.lastUpdated as a Date. */
  ts: Date;
  /** logically deleted: kept for history and 410 Gone, invisible to search. */
  del: boolean;
  r: T;
  /** search keys (token, reference, uri, normalised string) by parameter code. */
  s: Record<string, string[]>;
  /** exact string values by code. */
  x: Record<string, string[]>;
  /** date ranges by code. */
  dl: Record<string, Date>;
  dh: Record<string, Date>;
  n: Record<string, number[]>;
  /** sort keys by code. */
  o: Record<string, string | number | Date>;
  /** access sidecar (patient, author, labels, release state...), maintained by the policy layer. */
  a: Record<string, unknown>;
}

/** A history entry: every version ever written, `_id` = `Type/id/version`. */
export interface HistoryEntry<T extends Resource = Resource> {
  _id: string;
  t: string;
  id: string;
  v: number;
  ts: Date;
  del: boolean;
  r: T;
  /** The access sidecar of that version: vread and history never serve another patient's version. */
  a?: Record<string, unknown>;
  /** Set while the entry is the claim of a version being written (version-claim.ts): its token and wall-clock time. */
  claim?: string;
  claimedAt?: Date;
}

export function historyEntryOf<T extends Resource>(type: string, doc: StoredResource<T>): HistoryEntry<T> {
  return { _id: `${type}/${doc._id}/${doc.v}`, t: type, id: doc._id, v: doc.v, ts: doc.ts, del: doc.del, r: doc.r, a: doc.a };
}

/** A write planned for a batch commit: the new document and the version it replaces (null = create). */
export interface PlannedWrite {
  type: string;
  doc: StoredResource;
  expectedVersion: number | null;
  previous?: StoredResource;
}
