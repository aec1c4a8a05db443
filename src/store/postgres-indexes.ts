import { Client } from 'pg';
import { PUSHDOWN_FIELDS, pushdownFieldsOf } from './indexes';

/**
 * Provisions, on FerretDB's PostgreSQL backend, the GIN `jsonb_path_ops` expression indexes that
 * make its pushed-down equalities (`_jsonb->'field' @> value`) indexed. FerretDB names its tables
 * itself (`<db>._ferretdb_database_metadata` maps collections to tables), so the SQL looks them up:
 * the same text runs at start-up (with POSTGRES_URL or the embedded database) and is printed for
 * an operator by `npm run db:indexes -- --sql`. Idempotent (IF NOT EXISTS).
 */
export function postgresIndexSql(databaseName: string): string {
  const pairs = Object.keys(PUSHDOWN_FIELDS)
    .filter((c) => c !== '*')
    .flatMap((collection) => pushdownFieldsOf(collection).map((field) => `(${literal(collection)}, ${literal(field)})`));
  const everywhere = (PUSHDOWN_FIELDS['*'] ?? []).map(literal).join(', ');
  return `-- sharehub: GIN indexes for FerretDB on PostgreSQL, database ${databaseName}
-- FerretDB pushes top-level equalities down as _jsonb->'field' @> value; generic plans skip these
-- indexes, hence plan_cache_mode.
DO $$
DECLARE
  meta record;
  field text;
BEGIN
  -- Hubs (and a test run's workers) start at once on one server: ALTER DATABASE only when the
  -- setting is missing, and a session that loses the race to set it leaves it to the winner
  -- ('tuple concurrently updated' is internal_error) instead of failing every index below.
  IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                 WHERE d.datname = current_database() AND s.setrole = 0
                   AND 'plan_cache_mode=force_custom_plan' = ANY (s.setconfig)) THEN
    BEGIN
      EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
    EXCEPTION
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'set plan_cache_mode = force_custom_plan on this server yourself (not the database owner)';
      WHEN unique_violation OR internal_error THEN
        RAISE NOTICE 'plan_cache_mode is being set by another session';
    END;
  END IF;
  IF to_regclass(format('%I._ferretdb_database_metadata', ${literal(databaseName)})) IS NULL THEN
    RETURN;
  END IF;
  FOR meta IN EXECUTE format('SELECT _jsonb->>''_id'' AS collection, _jsonb->>''table'' AS tbl FROM %I._ferretdb_database_metadata', ${literal(databaseName)}) LOOP
    FOR field IN
      SELECT f FROM unnest(ARRAY[${everywhere}]::text[]) AS f
      UNION SELECT p.f FROM (VALUES ${pairs.join(', ') || '(NULL, NULL)'}) AS p(c, f) WHERE p.c = meta.collection
    LOOP
      BEGIN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb->%L) jsonb_path_ops)',
          left(meta.tbl || '_' || regexp_replace(field, '[^A-Za-z0-9]', '_', 'g') || '_gin', 63), ${literal(databaseName)}, meta.tbl, field);
      EXCEPTION WHEN unique_violation OR duplicate_table THEN
        NULL; -- two hubs on one database: the other session created this index at the same moment
      END;
    END LOOP;
  END LOOP;
END $$;
`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Runs postgresIndexSql on the PostgreSQL database FerretDB stores in. */
export async function provisionPostgresIndexes(postgresUrl: string, databaseName: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(postgresIndexSql(databaseName));
  } finally {
    await client.end();
  }
}
