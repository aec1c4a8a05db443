/**
 * `npm run audit:verify`: walks every chain of the audit trail and reports the first broken link.
 * Uses MONGODB_URI (and MONGODB_DATABASE) when set; otherwise starts the embedded FerretDB on
 * DATA_DIR, so stop `npm start` first (one FerretDB per data folder). Exit code 0 = intact,
 * 1 = a broken link, 2 = could not run.
 */
import fs from 'node:fs';
import { verifyAuditTrail } from '../src/audit/verify-trail';
import { loadConfig } from '../src/config';
import { AuditStore } from '../src/store/audit-store';
import { connectDatabase } from '../src/store/database';
import { startEmbeddedDatabase } from '../src/store/embedded-database';

async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.mongodbUri) fs.mkdirSync(config.dataDir, { recursive: true });
  const embedded = config.mongodbUri ? undefined : await startEmbeddedDatabase({ dataDir: config.dataDir });
  const database = await connectDatabase(config.mongodbUri ?? (embedded as { mongoUri: string }).mongoUri, config.databaseName);
  try {
    const started = Date.now();
    const report = await verifyAuditTrail(new AuditStore(database.db), (chains, events) => {
      if (chains % 100 === 0) process.stderr.write(`audit:verify: ${chains} chains, ${events} events checked\n`);
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (report.broken) {
      const b = report.broken;
      process.stdout.write(`audit trail BROKEN: chain ${b.chain || '(none)'} at #${b.seq} (AuditEvent/${b.eventId || '-'}): ${b.reason}\n`);
      process.stdout.write(`checked ${report.chains} chains, ${report.events} events before it, in ${seconds} s\n`);
      return 1;
    }
    process.stdout.write(`audit trail intact: ${report.chains} chains, ${report.events} events, in ${seconds} s\n`);
    return 0;
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`audit:verify could not run: ${err.message}\n`);
    process.exit(2);
  }
);
