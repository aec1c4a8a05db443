import type { Resource } from '@medplum/fhirtypes';

/**
 * The search sidecar: every value a search can match, precomputed at write time from the
 * SearchParameter expressions (search-index.ts), keyed by parameter code. Short field names keep
 * index keys small; the condition language calls them `keys`, `exact`, `lo`, `hi`, `num`, `sort`.
 */
export interface SearchFields {
  /** token, reference, uri and normalised string keys. `code:identifier` holds Reference.identifier keys. */
  s: Record<string, string[]>;
  /** string values as written, for `:exact`. */
  x: Record<string, string[]>;
  /** date parameters: the earliest start and the latest end over all values. */
  dl: Record<string, Date>;
  dh: Record<string, Date>;
  n: Record<string, number[]>;
  /** one scalar per parameter to sort on. */
  o: Record<string, string | number | Date>;
}

/**
 * The access sidecar (`a`; the condition language's `access.<name>`): what the policy's conditions
 * query. Computed by the policy at every write of the resource (access-fields.ts), and again when
 * a fact that governs it changes (consent-sync.ts).
 */
export interface AccessFields {
  /** `Patient/<id>`: whose record the resource belongs to. */
  patient?: string;
  /** Clinical content: SPEC §5 rules 1–7 apply, and no admin role reads it. */
  clinical?: boolean;
  authors?: string[];
  /** DocumentReference: the institution that keeps the content (`Organization/<id>`). */
  custodian?: string;
  class?: string;
  label?: 'N' | 'R' | 'V';
  /** Not entered-in-error (rule 7). */
  current?: boolean;
  /** When the patient may see it (release rule); DISTANT_FUTURE = never. */
  releaseAt?: Date;
  /**
   * The window of the patient's active hub-sharing consent (maintained by consent-sync): rule 2
   * holds while consentFrom <= now <= consentUntil. No consent: both DISTANT_PAST.
   */
  consentFrom?: Date;
  consentUntil?: Date;
  /**
   * `Consent/<id>` of that consent ('' when none): the basis an audited access through a link
   * rests on. Links and grants carry the window too, so the facts need no Consent query per patient.
   */
  consentRecord?: string;
  /**
   * The window of the document-restriction Consents without actor on the governing document: while
   * authorOnlyFrom <= now <= authorOnlyUntil only its author among professionals sees it
   * (maintained by restriction-sync; no restriction: both DISTANT_PAST). Missing = restricted.
   */
  authorOnlyFrom?: Date;
  authorOnlyUntil?: Date;
  /**
   * Changed by every resync of the consent (restriction) window: a write opens the windows it
   * stored closed only if no resync came in between (policy/window-convergence.ts).
   */
  consentStamp?: string;
  restrictionStamp?: string;
  /** The DocumentReference whose restrictions and status govern this resource (itself, or a Binary's context). */
  document?: string;
  /** Patient SSIN, unique across Patients (indexed). */
  ssin?: string;
  /** Consent kind, for Consent resources. */
  kind?: string;
  /** CareTeam members (`Practitioner/x`, `Organization/y`). */
  members?: string[];
  /** AuditEvent: the chain it is sealed in and its place there, checked by the trail's verifier. */
  chain?: string;
  seq?: number;
}

/**
 * One resource as the hub's code sees it: the FHIR JSON untouched in `r`, plus the sidecars that
 * searches and the access policy query. The database holds it in the persisted form
 * (persisted-form.ts), converted at the store's boundary.
 */
export interface StoredResource<T extends Resource = Resource> extends SearchFields {
  _id: string;
  /** versionId as a number, the optimistic-concurrency token. */
  v: number;
  /** meta.lastUpdated as a Date. */
  ts: Date;
  /** logically deleted: kept for history and 410 Gone, invisible to search. */
  del: boolean;
  r: T;
  /** access sidecar (patient, author, labels, release state...), maintained by the policy layer. */
  a: AccessFields;
}

/** A history entry: every version ever written, `_id` = `Type/id/version`. Never queried by its sidecar. */
export interface HistoryEntry<T extends Resource = Resource> {
  _id: string;
  t: string;
  id: string;
  v: number;
  ts: Date;
  del: boolean;
  r: T;
  /** The access sidecar of that version: vread and history never serve another patient's version. */
  a?: AccessFields;
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
