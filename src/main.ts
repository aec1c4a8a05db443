import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isDevelopmentMode, loadConfig } from './config';
import { createHub } from './create-hub';
import { isEmptyNetwork, loadFixtures } from './fixtures-loader';
import { createApp } from './http/app';
import { createLogger, describeError } from './log';
import { connectDatabase } from './store/database';
import { startEmbeddedDatabase } from './store/embedded-database';

/** `npm start`: the hub on MONGODB_URI, or on the embedded PostgreSQL + FerretDB in DATA_DIR with the demo network. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const embedded = config.mongodbUri ? undefined : await startEmbeddedDatabase({ dataDir: config.dataDir, log: (message) => log.info(message) });
  const database = await connectDatabase(config.mongodbUri ?? (embedded as { mongoUri: string }).mongoUri, config.databaseName);
  const hub = await createHub(embedded ? { ...config, postgresUrl: embedded.postgresUrl } : config, database, { log });
  if (isDevelopmentMode(config) && config.mongodbUri) {
    log.warn('no JWT_PUBLIC_KEY_FILE or JWKS_FILE: tokens are verified with the development key in DATA_DIR');
  }
  // The demo network goes only into the embedded database, never into a configured MongoDB, unless
  // DEMO_FIXTURES names the bundles explicitly (the federation demo gives each hub its own data).
  const demoFixtures = process.env.DEMO_FIXTURES?.split(',').filter(Boolean);
  if (config.federation.mode === 'hub' && (!config.mongodbUri || demoFixtures) && (await isEmptyNetwork(hub))) {
    const count = await loadFixtures(hub, demoFixtures);
    log.info('demo network loaded', { resources: count });
  }
  const app = createApp(hub);
  const tls = config.tlsCertFile && config.tlsKeyFile;
  const server = tls
    ? https.createServer({ cert: fs.readFileSync(config.tlsCertFile as string), key: fs.readFileSync(config.tlsKeyFile as string) }, app)
    : http.createServer(app);
  server.listen(config.port, () => {
    const url = `${tls ? 'https' : 'http'}://localhost:${config.port}/fhir`;
    process.stderr.write(
      [
        '',
        `sharehub${config.federation.hubId ? ` ${config.federation.mode} ${config.federation.hubId}` : ''} is listening on ${url}  (database: ${config.mongodbUri ? 'MONGODB_URI' : `embedded PostgreSQL + FerretDB in ${config.dataDir}`})`,
        isDevelopmentMode(config)
          ? '  Get a token:   TOKEN=$(npm run -s token -- hub-admin)      (list personas: npm run token)'
          : '  Tokens come from the configured issuer (JWT_PUBLIC_KEY_FILE / JWKS_FILE).',
        `  Try it:        curl -H "Authorization: Bearer $TOKEN" ${url}/Patient`,
        `  Web views:     ${url.replace(/\/fhir$/, '')}/portal (patients)  ${url.replace(/\/fhir$/, '')}/pro (professionals)`,
        '',
      ].join('\n') + '\n'
    );
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.close();
    hub.federation?.stop();
    // The chain head hints moved after the last answers (a hint left behind is only walked past).
    await hub.audit.settled().catch(() => undefined);
    await database.close().catch(() => undefined);
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`sharehub failed to start: ${JSON.stringify(describeError(err))}\n`);
  process.exit(1);
});
