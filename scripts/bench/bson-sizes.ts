/**
 * The BSON size of the stored documents as a MongoDB server would hold them (before WiredTiger's
 * compression), averaged over a sample: the base of docs/scale.md's sharded-MongoDB projection,
 * measured on the same stored form the hub writes whatever engine runs the bench.
 */
import { BSON, type Db, type Document } from 'mongodb';

const SAMPLE = 200;

/**
 * DocumentReferences and their History entries read by id (spread over every scale seeded; a
 * plain `find` would return the first rows, and History's first rows are Patients and Consents),
 * and the AuditEvents the bench's requests wrote, whatever their kind.
 */
export async function averageBsonBytes(db: Db, documentIds: string[]): Promise<Record<string, number>> {
  const step = Math.max(1, Math.floor(documentIds.length / SAMPLE));
  const ids = documentIds.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const byId = async (collection: string, idOf: (id: string) => string) => {
    const found = await Promise.all(ids.map((id) => db.collection<Document>(collection).findOne({ _id: idOf(id) as unknown as Document['_id'] })));
    return found.filter((d) => d !== null) as Document[];
  };
  const samples: Record<string, Document[]> = {
    DocumentReference: await byId('DocumentReference', (id) => id),
    'History (of a DocumentReference)': await byId('History', (id) => `DocumentReference/${id}/1`),
    'AuditEvent (per audited request)': await db.collection('AuditEvent').find({}).limit(1000).toArray(),
  };
  const out: Record<string, number> = {};
  for (const [name, docs] of Object.entries(samples)) {
    if (docs.length) out[name] = Math.round(docs.reduce((sum, d) => sum + BSON.calculateObjectSize(d), 0) / docs.length);
  }
  return out;
}
