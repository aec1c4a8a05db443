import type { Db, IndexDescription } from 'mongodb';
import { HISTORY_COLLECTION } from './resource-store';

/**
 * Indexes are designed for MongoDB (equality, sort, range order); FerretDB's SQLite backend
 * accepts and ignores them. Created at start-up; createIndexes is idempotent.
 */
const COMMON: IndexDescription[] = [
  // Type-level searches default-sorted by id: `{del: false}` + keyset on _id.
  { key: { del: 1, _id: 1 }, name: 'del_id' },
  // `_lastUpdated` searches, sorts and type-level `_history`.
  { key: { del: 1, ts: -1, _id: 1 }, name: 'del_ts' },
  // `identifier=system|value` look-ups (add patient by SSIN, practitioner by NIHII).
  { key: { 's.identifier': 1 }, name: 'identifier' },
];

const BY_TYPE: Record<string, IndexDescription[]> = {
  DocumentReference: [
    // `DocumentReference?patient=X&status=current` paged by id: the hub's hottest query (bench).
    { key: { 's.patient': 1, 's.status': 1, del: 1, _id: 1 }, name: 'patient_status_id' },
    // `DocumentReference?patient=X&_sort=-date`.
    { key: { 's.patient': 1, 'o.date': -1, _id: 1 }, name: 'patient_date' },
  ],
  Patient: [
    // One Patient per SSIN (SPEC §4), enforced by the database against concurrent "add patient".
    { key: { 'a.ssin': 1 }, name: 'ssin_unique', unique: true, sparse: true },
  ],
  Composition: [{ key: { 's.patient': 1, del: 1, _id: 1 }, name: 'patient_id' }],
  Consent: [{ key: { 's.patient': 1, del: 1, _id: 1 }, name: 'patient_id' }],
  CareTeam: [
    { key: { 's.patient': 1, del: 1, _id: 1 }, name: 'patient_id' },
    // A professional's own links: `CareTeam?participant=Practitioner/X`.
    { key: { 's.participant': 1, del: 1 }, name: 'participant' },
  ],
  AuditEvent: [{ key: { 's.patient': 1, 'o.date': -1 }, name: 'patient_date' }],
  Task: [{ key: { 's.owner': 1, 's.status': 1 }, name: 'owner_status' }],
  List: [{ key: { 's.patient': 1, del: 1, _id: 1 }, name: 'patient_id' }],
};

const HISTORY: IndexDescription[] = [
  // Instance `_history` and vread: all versions of one resource, newest first.
  { key: { t: 1, id: 1, v: -1 }, name: 'type_id_version' },
  // Type-level `_history` ordered by time.
  { key: { t: 1, ts: -1 }, name: 'type_ts' },
];

export async function ensureIndexes(db: Db, types: readonly string[]): Promise<void> {
  for (const type of types) {
    await db.collection(type).createIndexes([...COMMON, ...(BY_TYPE[type] ?? [])]);
  }
  await db.collection(HISTORY_COLLECTION).createIndexes(HISTORY);
}
