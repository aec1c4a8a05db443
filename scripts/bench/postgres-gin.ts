/**
 * For a benchmark on FerretDB-PostgreSQL (embedded, or started by hand: MONGODB_URI + BENCH_POSTGRES_URL):
 * the GIN `jsonb_path_ops` expression indexes the hub provisions at start-up (src/store/postgres-indexes.ts,
 * fields from PUSHDOWN_FIELDS), provisioned again once the seeded collections exist, then ANALYZE so
 * PostgreSQL plans with the seeded data's statistics. Idempotent.
 */
import { Client } from 'pg';
import { PUSHDOWN_FIELDS, pushdownFieldsOf } from '../../src/store/indexes';
import { provisionPostgresIndexes } from '../../src/store/postgres-indexes';

/** Building a GIN index over a million rows sorts in memory when it may: PostgreSQL's default (64 MB) spills to disk. */
const INDEX_BUILD_MEMORY = '512MB';

export async function createGinIndexes(postgresUrl: string, database: string): Promise<string[]> {
  await provisionPostgresIndexes(withSessionSetting(postgresUrl, 'maintenance_work_mem', INDEX_BUILD_MEMORY), database);
  await onPostgres(postgresUrl, (client) => client.query('ANALYZE'));
  return Object.keys(PUSHDOWN_FIELDS)
    .filter((c) => c !== '*')
    .map((collection) => `${collection}: ${pushdownFieldsOf(collection).join(', ')}`);
}

/**
 * Drops the GIN indexes the hub provisioned on this database's tables (named `<table>_<field>_gin`
 * by postgresIndexSql), before a large bulk load: one index build over the grown table costs far
 * less than keeping every GIN index up to date row by row. createGinIndexes puts them back; what
 * is measured after that is the same database with the same indexes. Returns how many it dropped.
 */
export async function dropGinIndexes(postgresUrl: string, database: string): Promise<number> {
  return onPostgres(postgresUrl, async (client) => {
    const found = await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%\\_gin'`, [database]);
    for (const { indexname } of found.rows) await client.query(`DROP INDEX IF EXISTS "${database.replace(/"/g, '""')}"."${indexname.replace(/"/g, '""')}"`);
    return found.rows.length;
  });
}

async function onPostgres<T>(postgresUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL with a PostgreSQL setting for its sessions only (libpq's `options=-c name=value`). */
function withSessionSetting(postgresUrl: string, name: string, value: string): string {
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c ${name}=${value}`.trim());
  return url.toString();
}
