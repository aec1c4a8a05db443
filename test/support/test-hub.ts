import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Express } from 'express';
import supertest from 'supertest';
import { loadConfig, type HubConfig } from '../../src/config';
import { createHub, type HubOptions } from '../../src/create-hub';
import type { Hub } from '../../src/hub-parts';
import { createApp } from '../../src/http/app';
import { mintDevToken } from '../../src/identity/mint-token';
import { createLogger } from '../../src/log';
import { systemPolicy } from '../../src/policy/access-policy';
import { connectDatabase, type Database } from '../../src/store/database';
import { ResourceStore } from '../../src/store/resource-store';
import { freshDatabaseName } from './database';
import { HUB_ADMIN } from './personas';

export interface TestHub {
  hub: Hub;
  app: Express;
  config: HubConfig;
  database: Database;
  /** The test's own view of the database, past the hub's gate: to check what is really stored. */
  store: ResourceStore;
  /** A token signed with the hub's development key, for any claims. */
  token(claims: Record<string, unknown>, options?: { expiresInSeconds?: number }): string;
  /** A hub-admin token with full system scopes. */
  adminToken: string;
  /** supertest with the hub-admin token already set. */
  admin(): {
    get(url: string): supertest.Test;
    post(url: string): supertest.Test;
    put(url: string): supertest.Test;
    patch(url: string): supertest.Test;
    delete(url: string): supertest.Test;
  };
  /** Drops the hub's database (unless kept, as for the network snapshot) and its key folder. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * For tests of FHIR mechanics (search semantics, paging, transactions) that are not about access:
 * the hub runs with the in-process system policy instead of the consent engine. Access rules have
 * their own tests against the real policy (test/policy).
 */
export const MECHANICS_ONLY: HubOptions = { policyFor: async (principal) => systemPolicy(principal) };

/** A transaction Bundle of these entries: all of them or nothing (SPEC §1). */
export function transactionOf(entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/**
 * A hub on its own fresh database in the test run's FerretDB, in development mode (own key pair).
 * `prepare` fills the database before the hub starts on it (the hub then starts as on a restart).
 */
export async function startTestHub(
  options: HubOptions = {},
  settings: Partial<HubConfig> = {},
  prepare?: (db: Database['db']) => Promise<void>
): Promise<TestHub> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup starts FerretDB');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-test-'));
  const config: HubConfig = {
    ...loadConfig({ DATA_DIR: dataDir, PORT: '8080' }),
    mongodbUri: uri,
    databaseName: freshDatabaseName('hub'),
    // Set by the global setup's embedded database: hubs provision their GIN indexes there.
    postgresUrl: process.env.POSTGRES_URL,
    baseUrl: 'http://localhost:8080/fhir',
    ...settings,
  };
  const database = await connectDatabase(uri, config.databaseName);
  let hub: Hub;
  try {
    await prepare?.(database.db);
    hub = await createHub(config, database, { log: createLogger('silent'), ...options });
  } catch (err) {
    // A hub that refuses to start (what some tests check) leaves neither its folder nor a connection behind.
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const app = createApp(hub);
  const privateKey = fs.readFileSync(path.join(dataDir, 'dev-jwt-private.pem'), 'utf8');
  const token = (claims: Record<string, unknown>, opts?: { expiresInSeconds?: number }) =>
    mintDevToken(privateKey, claims, { issuer: config.jwtIssuer, audience: config.jwtAudience, expiresInSeconds: opts?.expiresInSeconds });
  const adminToken = token(HUB_ADMIN);
  const withAdmin = (t: supertest.Test) => t.set('Authorization', `Bearer ${adminToken}`);
  const agent = supertest(app);
  return {
    hub,
    app,
    config,
    database,
    store: new ResourceStore(database.db),
    token,
    adminToken,
    admin: () => ({
      get: (url) => withAdmin(agent.get(url)),
      post: (url) => withAdmin(agent.post(url)).set('Content-Type', 'application/fhir+json'),
      put: (url) => withAdmin(agent.put(url)).set('Content-Type', 'application/fhir+json'),
      patch: (url) => withAdmin(agent.patch(url)).set('Content-Type', 'application/json-patch+json'),
      delete: (url) => withAdmin(agent.delete(url)),
    }),
    close: async ({ keepDatabase = false } = {}) => {
      // Head hints still being moved would write into the dropped database (and create it again).
      await hub.audit.settled();
      if (!keepDatabase) await database.db.dropDatabase().catch(() => undefined);
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
