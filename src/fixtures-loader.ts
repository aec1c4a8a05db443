import fs from 'node:fs';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { isOk, parseSearchRequest } from '@medplum/core';
import type { Hub } from './hub-parts';
import { systemPolicy } from './policy/access-policy';
import type { Principal } from './policy/principal';

export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures');

/**
 * The demo network is loaded in-process as one transaction by the hub's own loader identity: it
 * goes through validation and the same router as any client, but is never reachable over HTTP.
 */
const LOADER: Principal = { sub: 'sharehub-fixture-loader', role: 'hub-admin', scopes: ['system/*.cruds'] };

/**
 * The demo data, loaded in this order: the network (registry, patients, consents, links), then
 * the documents published into it. A bundle file that does not exist yet is skipped.
 */
export const FIXTURE_BUNDLES = ['network.json', 'documents.json'];

export async function loadFixtures(hub: Hub, files = FIXTURE_BUNDLES.map((f) => path.join(FIXTURES_DIR, f))): Promise<number> {
  let count = 0;
  for (const file of files.filter((f) => fs.existsSync(f))) count += await loadBundle(hub, file);
  return count;
}

async function loadBundle(hub: Hub, file: string): Promise<number> {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
  const now = hub.clock();
  const repo = hub.openRepository(systemPolicy(LOADER), now);
  const [outcome, result] = await hub.router.handleRequest(
    { method: 'POST', url: '', pathname: '', body: bundle, params: {}, query: {}, config: { transactions: true } },
    repo
  );
  if (!isOk(outcome)) {
    throw new Error(`Fixture load failed (${path.basename(file)}): ${JSON.stringify(outcome.issue)}`);
  }
  return (result as Bundle).entry?.length ?? 0;
}

/** Empty database = first start: nothing but the demo network's absence tells us so. */
export async function isEmptyNetwork(hub: Hub): Promise<boolean> {
  const repo = hub.openRepository(systemPolicy(LOADER), hub.clock());
  return (await repo.searchResources(parseSearchRequest('Organization?_count=1'))).length === 0;
}
