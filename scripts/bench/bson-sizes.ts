/**
 * The BSON size of the stored documents as a MongoDB server would hold them (before WiredTiger's
 * compression), averaged over a sample: the base of docs/scale.md's sharded-MongoDB projection,
 * measured on the same stored form the hub writes whatever engine runs the bench.
 */
import { BSON, type Db } from 'mongodb';

const SAMPLE = 500;

export async function averageBsonBytes(db: Db, collections: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const collection of collections) {
    const docs = await db.collection(collection).find({}).limit(SAMPLE).toArray();
    if (docs.length) out[collection] = Math.round(docs.reduce((sum, d) => sum + BSON.calculateObjectSize(d), 0) / docs.length);
  }
  return out;
}
