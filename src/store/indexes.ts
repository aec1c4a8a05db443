import type { Db, IndexDescription } from 'mongodb';
import { AUDIT_CHAIN_COLLECTION } from './audit-store';
import { HISTORY_COLLECTION } from './resource-store';
import { JOURNAL_COLLECTION } from './transaction-journal';
import { GUARD_COLLECTION } from './write-guards';

/** The SUMEHR entry types (policy's SUMEHR_ENTRY_TYPES; the store does not import the policy). */
const SUMEHR_ENTRY_COLLECTIONS = ['Condition', 'AllergyIntolerance', 'MedicationStatement', 'Immunization', 'Observation', 'Procedure'];

/**
 * The indexes, declared once and provisioned per engine:
 * - MongoDB: the compound indexes below (equality, sort, range order), created at start-up.
 * - FerretDB on PostgreSQL: it accepts them but builds btree indexes its queries cannot use; what
 *   it pushes down is top-level `field: value` equalities as `_jsonb->'field' @> value`, which GIN
 *   `jsonb_path_ops` expression indexes on those fields serve (postgres-indexes.ts).
 */
const COMMON: IndexDescription[] = [
  // Type-level searches default-sorted by id: `{del: false}` + keyset on _id.
  { key: { del: 1, _id: 1 }, name: 'del_id' },
  // `_lastUpdated` searches, sorts and type-level `_history`.
  { key: { del: 1, ts: -1, _id: 1 }, name: 'del_ts' },
  // `identifier=system|value` look-ups (add patient by SSIN, practitioner by NIHII).
  { key: { 's:identifier': 1 }, name: 'identifier' },
];

const BY_TYPE: Record<string, IndexDescription[]> = {
  Patient: [
    // One Patient per SSIN (SPEC §4), enforced by the database against concurrent "add patient".
    { key: { 'a:ssin': 1 }, name: 'ssin_unique', unique: true, sparse: true },
  ],
  DocumentReference: [
    // `DocumentReference?patient=X&status=current` paged by id: the hub's hottest query (bench).
    { key: { 's:patient': 1, 's:status': 1, del: 1, _id: 1 }, name: 'patient_status_id' },
    // `DocumentReference?patient=X&_sort=-date`.
    { key: { 's:patient': 1, 'o.date': -1, _id: 1 }, name: 'patient_date' },
    // Policy, rule 4 author path: a professional's own documents (`access.authors`).
    { key: { 'a:authors': 1, del: 1, _id: 1 }, name: 'access_authors' },
    // Policy, rule 4 link path without a patient filter (documents of the caller's linked patients),
    // and the consent-window resync (`updateMany` on `a.patient`).
    { key: { 'a:patient': 1, del: 1, _id: 1 }, name: 'access_patient' },
  ],
  Composition: [
    { key: { 's:patient': 1, del: 1, _id: 1 }, name: 'patient_id' },
    { key: { 'a:patient': 1, del: 1, _id: 1 }, name: 'access_patient' },
  ],
  Binary: [
    // A Binary is read and resynced under its DocumentReference (`access.document`).
    { key: { 'a:document': 1 }, name: 'access_document' },
    { key: { 'a:patient': 1 }, name: 'access_patient' },
  ],
  Consent: [
    // Facts: a patient's consents by kind and status (hub-sharing, restrictions of linked patients).
    { key: { 's:patient': 1, 's:category': 1, 's:status': 1 }, name: 'patient_kind_status' },
    // Facts: consents naming the caller (exclusions, grants, restrictions), by reference or by NIHII.
    { key: { 's:actor': 1, 's:category': 1 }, name: 'actor_kind' },
    { key: { 's:actor:identifier': 1, 's:category': 1 }, name: 'actor_identifier_kind' },
    // The restrictions naming a document (on its create and update), and the consent-window resync.
    { key: { 's:data': 1, 's:category': 1 }, name: 'data_kind' },
    { key: { 'a:patient': 1 }, name: 'access_patient' },
  ],
  CareTeam: [
    { key: { 's:patient': 1, del: 1, _id: 1 }, name: 'patient_id' },
    // Facts: the caller's links (participant = itself or its institution, status, period end).
    { key: { 's:participant': 1, 's:status': 1, 'dh.date': 1 }, name: 'participant_status_end' },
    // Policy: links naming the caller (`access.members`), and a patient's links (`access.patient`).
    { key: { 'a:members': 1 }, name: 'access_members' },
    { key: { 'a:patient': 1 }, name: 'access_patient' },
  ],
  // A patient-role caller's RelatedPersons by SSIN use the common identifier index.
  RelatedPerson: [{ key: { 'a:patient': 1 }, name: 'access_patient' }],
  PractitionerRole: [
    // Facts: does the practitioner hold an active role at the institution it claims to act for?
    { key: { 's:practitioner': 1, 's:organization': 1 }, name: 'practitioner_organization' },
  ],
  AuditEvent: [
    // A patient (or grant holder) reads their trail: `access.patient` under the audit read scope, paged by id.
    { key: { 'a:patient': 1, del: 1, _id: 1 }, name: 'access_patient' },
    // `AuditEvent?patient=X&_sort=-date`, and hub-admin searches by patient.
    { key: { 's:patient': 1, 'o.date': -1 }, name: 'patient_date' },
    // A professional reads their own successful actions (`access.authors`, `access.current`).
    { key: { 'a:authors': 1, 'a:current': 1, _id: 1 }, name: 'access_requestor' },
  ],
  Task: [{ key: { 's:owner': 1, 's:status': 1 }, name: 'owner_status' }],
  List: [
    { key: { 's:patient': 1, del: 1, _id: 1 }, name: 'patient_id' },
    { key: { 'a:patient': 1, del: 1, _id: 1 }, name: 'access_patient' },
  ],
  // The consent-window resync of SUMEHR entries (`updateMany` on `a:patient`), and their reads by patient.
  ...Object.fromEntries(SUMEHR_ENTRY_COLLECTIONS.map((type) => [type, [{ key: { 'a:patient': 1, del: 1, _id: 1 }, name: 'access_patient' }]])),
};

const HISTORY: IndexDescription[] = [
  // Instance `_history` and vread: all versions of one resource, newest first.
  { key: { t: 1, id: 1, v: -1 }, name: 'type_id_version' },
  // Type-level `_history` ordered by time.
  { key: { t: 1, ts: -1 }, name: 'type_ts' },
];

/**
 * Top-level fields that hot queries compare for equality, by collection ('*': every collection):
 * each gets a GIN expression index on FerretDB-PostgreSQL. A query shape that puts a new top-level
 * equality first belongs here too.
 */
export const PUSHDOWN_FIELDS: Record<string, readonly string[]> = {
  // Read by id, vread's current document, conditional updates, audit chain heads, the journal.
  '*': ['_id'],
  // Instance history and vread: `{t, id, v}`.
  [HISTORY_COLLECTION]: ['id'],
  // The patient document search (`s:patient`), the policy's link path (`a:patient`) and author path (`a:authors`).
  DocumentReference: ['s:patient', 'a:patient', 'a:authors'],
  // Facts: the caller's links (`s:participant`), a patient's links, links naming an institution
  // (`a:members`); the consent-window resync by `a:patient`.
  CareTeam: ['s:participant', 's:patient', 'a:members', 'a:patient'],
  // Facts: a patient's consents, consents naming the caller by reference or by NIHII; the restrictions
  // of a document (`s:data`); the consent-window resync of grants (`a:patient`).
  Consent: ['s:patient', 's:actor', 's:actor:identifier', 's:data', 'a:patient'],
  // Registry look-ups by identifier (practitioner by NIHII, Patient by SSIN, institution by NIHII/CBE).
  Practitioner: ['s:identifier'],
  Organization: ['s:identifier'],
  Patient: ['s:identifier'],
  RelatedPerson: ['s:identifier'],
  // Facts: does the practitioner hold a role at the institution it acts for?
  PractitionerRole: ['s:practitioner'],
  // A patient's trail, a professional's own actions.
  AuditEvent: ['s:patient', 'a:patient', 'a:authors'],
  // Clinical content read under its patient; a Binary under its DocumentReference.
  Composition: ['a:patient'],
  List: ['a:patient'],
  Binary: ['a:patient', 'a:document'],
  // A professional's work list.
  Task: ['s:owner'],
  // SUMEHR entries: their consent window is resynced by patient on every hub-sharing consent change.
  ...Object.fromEntries(SUMEHR_ENTRY_COLLECTIONS.map((type) => [type, ['a:patient']])),
};

export function pushdownFieldsOf(collection: string): string[] {
  return [...new Set([...(PUSHDOWN_FIELDS['*'] ?? []), ...(PUSHDOWN_FIELDS[collection] ?? [])])];
}

/** Collections the hub writes besides the resource types and History; created up front too. */
const AUXILIARY_COLLECTIONS = [GUARD_COLLECTION, JOURNAL_COLLECTION, AUDIT_CHAIN_COLLECTION, 'PeerTokenUse'];

export async function ensureIndexes(db: Db, types: readonly string[]): Promise<void> {
  // FerretDB's btree indexes serve none of its pushed-down `@>` conditions (the GIN indexes do), and
  // refuse a row whose indexed value is over ~2.7 kB: a long (allowed) string in an indexed search
  // key would fail the write. There only the unique ones, whose values are short, are created.
  const wanted = (await isFerretDb(db)) ? (list: IndexDescription[]) => list.filter((i) => i.unique) : (list: IndexDescription[]) => list;
  for (const type of types) await createMissing(db, type, wanted([...COMMON, ...(BY_TYPE[type] ?? [])]));
  await createMissing(db, HISTORY_COLLECTION, wanted(HISTORY));
  // Every collection exists from start-up, so the GIN indexes provisioned next cover them all.
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of [...types, HISTORY_COLLECTION, ...AUXILIARY_COLLECTIONS].filter((c) => !existing.has(c))) {
    // 48 NamespaceExists: another process created it meanwhile.
    await db.createCollection(name).catch((err: { code?: number }) => {
      if (err.code !== 48) throw err;
    });
  }
}

/** FerretDB says so in buildInfo; MongoDB has no such field. */
export async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

/**
 * Creates the indexes a collection does not have yet. Asking FerretDB 1.24 to create several
 * indexes of which some already exist makes it drop the connection (a second start of the hub
 * on the same data failed so), and skipping existing ones costs one listIndexes anywhere.
 */
async function createMissing(db: Db, collection: string, wanted: IndexDescription[]): Promise<void> {
  // A collection that does not exist yet has no indexes (MongoDB answers NamespaceNotFound).
  const existing = await db
    .collection(collection)
    .listIndexes()
    .toArray()
    .catch((err: { code?: number }) => {
      if (err.code === 26) return [];
      throw err;
    });
  const names = new Set(existing.map((i) => i.name as string));
  const missing = wanted.filter((i) => !names.has(i.name as string));
  if (missing.length) await db.collection(collection).createIndexes(missing);
}
