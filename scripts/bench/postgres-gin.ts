/**
 * For a benchmark on FerretDB-PostgreSQL (embedded, or started by hand: MONGODB_URI + BENCH_POSTGRES_URL):
 * GIN `jsonb_path_ops` expression indexes on the fields the hot queries push down, created with
 * SQL on FerretDB's own tables. FerretDB turns a top-level `field: scalar` key into
 * `_jsonb->'field' @> value` (a dotted one into `_jsonb #> '{a,b}' @> value`, with nested pushdown
 * enabled), which its own btree indexes cannot serve. Idempotent (IF NOT EXISTS).
 */
import { Client } from 'pg';

/** Collection -> pushed-down paths worth an index (each the most selective equality of a hot query). */
const HOT_PATHS: Record<string, string[][]> = {
  DocumentReference: [['_id'], ['s', 'patient'], ['a', 'authors']],
  Patient: [['_id'], ['s', 'identifier']],
  Consent: [['_id'], ['s', 'patient'], ['s', 'actor'], ['s', 'actor:identifier']],
  CareTeam: [['_id'], ['s', 'participant'], ['a', 'patient']],
  Practitioner: [['_id'], ['s', 'identifier']],
  Organization: [['_id'], ['s', 'identifier']],
  PractitionerRole: [['_id'], ['s', 'practitioner']],
  History: [['_id'], ['id']],
  AuditEvent: [['_id'], ['a', 'patient']],
  AuditChain: [['_id']],
};

export async function createGinIndexes(postgresUrl: string, database: string): Promise<string[]> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  const created: string[] = [];
  try {
    const tables = await client.query<{ collection: string; tbl: string }>(
      `SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS tbl FROM ${ident(database)}._ferretdb_database_metadata`
    );
    for (const { collection, tbl } of tables.rows) {
      for (const path of HOT_PATHS[collection] ?? []) {
        const name = `${tbl}_gin_${path.join('_').replace(/[^a-z0-9_]/gi, '_')}`.slice(0, 63);
        const expression = path.length === 1 ? `_jsonb->'${path[0]}'` : `_jsonb #> '{${path.map((p) => `"${p}"`).join(',')}}'`;
        await client.query(`CREATE INDEX IF NOT EXISTS ${ident(name)} ON ${ident(database)}.${ident(tbl)} USING gin ((${expression}) jsonb_path_ops)`);
        created.push(`${collection}: ${expression}`);
      }
    }
    await client.query(`ANALYZE`);
  } finally {
    await client.end();
  }
  return created;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
