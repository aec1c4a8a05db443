/**
 * For a benchmark on FerretDB-PostgreSQL (embedded, or started by hand: MONGODB_URI + BENCH_POSTGRES_URL):
 * the GIN `jsonb_path_ops` expression indexes the hub provisions at start-up (src/store/postgres-indexes.ts,
 * fields from PUSHDOWN_FIELDS), provisioned again once the seeded collections exist, then ANALYZE so
 * PostgreSQL plans with the seeded data's statistics. Idempotent.
 */
import { Client } from 'pg';
import { PUSHDOWN_FIELDS, pushdownFieldsOf } from '../../src/store/indexes';
import { provisionPostgresIndexes } from '../../src/store/postgres-indexes';

export async function createGinIndexes(postgresUrl: string, database: string): Promise<string[]> {
  await provisionPostgresIndexes(postgresUrl, database);
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  return Object.keys(PUSHDOWN_FIELDS)
    .filter((c) => c !== '*')
    .map((collection) => `${collection}: ${pushdownFieldsOf(collection).join(', ')}`);
}
