/**
 * `npm run db:indexes`: provisions the hub's indexes on the configured database (MONGODB_URI, and
 * POSTGRES_URL for FerretDB on PostgreSQL) without starting the hub.
 * `npm run db:indexes -- --sql`: prints the PostgreSQL SQL instead, for an operator to run with
 * psql on the database FerretDB stores in (the hub then needs no PostgreSQL credentials).
 */
import { loadConfig } from '../src/config';
import { SERVED_TYPES } from '../src/fhir/served-types';
import { connectDatabase } from '../src/store/database';
import { ensureIndexes } from '../src/store/indexes';
import { postgresIndexSql, provisionPostgresIndexes } from '../src/store/postgres-indexes';

async function main(): Promise<void> {
  const config = loadConfig();
  if (process.argv.includes('--sql')) {
    process.stdout.write(postgresIndexSql(config.databaseName));
    return;
  }
  if (!config.mongodbUri) throw new Error('set MONGODB_URI (and POSTGRES_URL on FerretDB-PostgreSQL); the embedded database provisions itself at start-up');
  const database = await connectDatabase(config.mongodbUri, config.databaseName, { socketTimeoutMS: 0 });
  try {
    await ensureIndexes(database.db, SERVED_TYPES);
    process.stderr.write(`MongoDB indexes of ${config.databaseName}: in place\n`);
    if (config.postgresUrl) {
      await provisionPostgresIndexes(config.postgresUrl, config.databaseName);
      process.stderr.write('PostgreSQL GIN indexes: in place\n');
    }
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`db:indexes failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
