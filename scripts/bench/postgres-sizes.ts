/**
 * Sizes of the collections as PostgreSQL stores them under FerretDB: heap with its TOAST (a stored
 * document over ~2 kB is compressed out of line, which FerretDB's collStats leaves out) and every
 * index, per row, for docs/scale.md's projection.
 */
import { Client } from 'pg';

export interface TableSize {
  collection: string;
  rows: number;
  /** pg_table_size: heap, TOAST, free space and visibility maps. */
  tableBytes: number;
  /** pg_indexes_size: the unique btree indexes and the GIN indexes together. */
  indexBytes: number;
  /** The GIN indexes alone (the ones the pushed-down equalities use). */
  ginBytes: number;
}

export async function postgresSizes(postgresUrl: string, database: string, collections: string[]): Promise<TableSize[]> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const meta = await client.query<{ collection: string; tbl: string }>(
      `SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS tbl FROM ${quoted(database)}._ferretdb_database_metadata`
    );
    const out: TableSize[] = [];
    for (const collection of collections) {
      const table = meta.rows.find((m) => m.collection === collection)?.tbl;
      if (!table) continue;
      const relation = `${quoted(database)}.${quoted(table)}`;
      const { rows } = await client.query<{ rows: string; table_bytes: string; index_bytes: string; gin_bytes: string }>(
        `SELECT (SELECT count(*) FROM ${relation}) AS rows, pg_table_size($1::regclass) AS table_bytes, pg_indexes_size($1::regclass) AS index_bytes,
           (SELECT coalesce(sum(pg_relation_size(format('%I.%I', schemaname, indexname)::regclass)), 0) FROM pg_indexes
             WHERE schemaname = $2 AND tablename = $3 AND indexname LIKE '%\\_gin') AS gin_bytes`,
        [relation, database, table]
      );
      const [r] = rows;
      out.push({ collection, rows: Number(r.rows), tableBytes: Number(r.table_bytes), indexBytes: Number(r.index_bytes), ginBytes: Number(r.gin_bytes) });
    }
    return out;
  } finally {
    await client.end();
  }
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
