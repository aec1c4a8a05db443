import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { PUSHDOWN_FIELDS, pushdownFieldsOf } from '../../src/store/indexes';
import { postgresIndexSql, provisionPostgresIndexes } from '../../src/store/postgres-indexes';
import { freshDatabaseName, testMongoUri } from '../support/database';
import { startTestHub, type TestHub } from '../support/test-hub';

const pgIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * FerretDB-PostgreSQL: the hub provisions GIN indexes on the fields its queries push down. The
 * suite's own database is always FerretDB-PostgreSQL (global setup sets POSTGRES_URL); a run on
 * another MONGODB_URI must give its POSTGRES_URL too.
 */
const postgresUrl = process.env.POSTGRES_URL as string;

describe('GIN indexes on FerretDB-PostgreSQL', () => {
  let t: TestHub;
  let pg: Client;
  beforeAll(async () => {
    if (!postgresUrl) throw new Error('POSTGRES_URL is not set: these tests need the PostgreSQL under FerretDB');
    t = await startTestHub();
    pg = new Client({ connectionString: postgresUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await t.close();
  });

  const ginIndexes = async (): Promise<Map<string, string[]>> => {
    const tables = await pg.query(`SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS tbl FROM "${t.config.databaseName}"._ferretdb_database_metadata`);
    const result = new Map<string, string[]>();
    for (const row of tables.rows as { collection: string; tbl: string }[]) {
      const defs = await pg.query('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [t.config.databaseName, row.tbl]);
      result.set(
        row.collection,
        (defs.rows as { indexdef: string }[]).map((d) => d.indexdef).filter((d) => /USING gin/.test(d))
      );
    }
    return result;
  };

  it('creates one on every pushed-down field of every collection at start-up, _id included', async () => {
    const indexes = await ginIndexes();
    expect(indexes.get('Patient')).toHaveLength(2);
    expect(indexes.get('Patient')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\(\(_jsonb -> '_id'::text\)\) jsonb_path_ops/),
        expect.stringMatching(/\(\(_jsonb -> 's:identifier'::text\)\) jsonb_path_ops/),
      ])
    );
    for (const [collection, defs] of indexes) {
      for (const field of pushdownFieldsOf(collection)) {
        expect({ collection, field, indexed: defs.some((d) => d.includes(`(_jsonb -> '${field}'::text)`)) }).toEqual({ collection, field, indexed: true });
      }
    }
    expect(indexes.get('History')?.some((d) => d.includes("(_jsonb -> 'id'::text)"))).toBe(true);
    // FerretDB creates a collection's table on first write: the hub creates them all up front, so
    // no collection a hot query reads is left without its indexes until the next start.
    const missing = Object.keys(PUSHDOWN_FIELDS).filter((c) => c !== '*' && !indexes.has(c));
    expect(missing).toEqual([]);
  });

  it('is idempotent (a second start provisions nothing new) and prints the SQL it runs', async () => {
    const before = await ginIndexes();
    await provisionPostgresIndexes(postgresUrl as string, t.config.databaseName);
    expect(await ginIndexes()).toEqual(before);
    expect(postgresIndexSql(t.config.databaseName)).toMatch(/CREATE INDEX IF NOT EXISTS %I ON %I\.%I USING gin/);
  });

  it('provisions every database when many hubs start at once on one server, two of them on one database', async () => {
    // A test run's workers (and an operator's hubs) start together: concurrent ALTER DATABASE
    // failed with 'tuple concurrently updated', and the hub started without any index.
    const client = await MongoClient.connect(testMongoUri());
    const names = Array.from({ length: 8 }, () => freshDatabaseName('gin-race'));
    try {
      for (const name of names)
        await client
          .db(name)
          .collection('Patient')
          .insertOne({ _id: 'p' } as never);
      await pg.query('ALTER DATABASE ' + pgIdentifier((await pg.query('SELECT current_database() AS d')).rows[0].d) + ' RESET plan_cache_mode');
      const outcomes = await Promise.allSettled([...names, names[0]].map((name) => provisionPostgresIndexes(postgresUrl, name)));
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
      for (const name of names) {
        const defs = await pg.query(
          `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING gin%' AND indexdef LIKE '%''s:identifier''%'`,
          [name]
        );
        expect({ name, indexes: defs.rows.length }).toEqual({ name, indexes: 1 });
      }
    } finally {
      for (const name of names) await client.db(name).dropDatabase();
      await client.close();
    }
  });

  it('sets plan_cache_mode so that prepared queries can use them', async () => {
    const res = await pg.query(`SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()`);
    expect(JSON.stringify(res.rows)).toContain('plan_cache_mode=force_custom_plan');
  });
});
