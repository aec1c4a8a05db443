import fs from 'node:fs';
import newman, { type NewmanRunSummary } from 'newman';
import { COLLECTION_FILE, filledEnvironment } from '../../scripts/postman/environment';
import { startLoopbackHub, type LoopbackHub } from '../support/loopback';

/**
 * The integrators' Postman collection (postman/), run by newman against the demo network hub on
 * a loopback port, with the environment `npm run postman:env` would write. Every request's
 * pm.test assertions must hold; a failure names the request, the assertion and its message.
 */
let hub: LoopbackHub;
beforeAll(async () => {
  hub = await startLoopbackHub();
});
afterAll(async () => {
  await hub.close();
});

function run(options: newman.NewmanRunOptions): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(options, (err, summary) => (err ? reject(err) : resolve(summary)));
  });
}

interface CollectionItem {
  name: string;
  item?: CollectionItem[];
  request?: unknown;
  event?: { listen: string; script: { exec: string[] } }[];
}
const requestsOf = (items: CollectionItem[]): CollectionItem[] => items.flatMap((i) => (i.item ? requestsOf(i.item) : [i]));

describe('Postman collection (newman)', () => {
  const collection = JSON.parse(fs.readFileSync(COLLECTION_FILE, 'utf8')) as { item: CollectionItem[] };

  it('has test scripts on every request', () => {
    const requests = requestsOf(collection.item);
    expect(requests.length).toBeGreaterThanOrEqual(20);
    for (const r of requests) {
      const tests = (r.event ?? [])
        .filter((e) => e.listen === 'test')
        .flatMap((e) => e.script.exec)
        .join('\n');
      expect([r.name, /pm\.test\(/.test(tests) && /pm\.(expect|response\.to)/.test(tests)]).toEqual([r.name, true]);
    }
  });

  it('runs the integrator tour with zero failures', async () => {
    const environment = filledEnvironment(hub.baseUrl, hub.tokenOf);
    const summary = await run({ collection, environment, reporters: [] });
    const failures = summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error?.name ?? ''} ${f.error?.message ?? ''}`.trim());
    expect(failures).toEqual([]);
    expect(summary.run.stats.requests.total).toBe(requestsOf(collection.item).length);
    expect(summary.run.stats.requests.failed).toBe(0);
    // Every pm.test of the collection ran (a script that threw early would run fewer).
    const written = requestsOf(collection.item)
      .flatMap((r) => r.event ?? [])
      .filter((e) => e.listen === 'test')
      .map((e) => e.script.exec.join('\n').split('pm.test(').length - 1);
    expect(summary.run.stats.assertions.total).toBe(written.reduce((a, b) => a + b, 0));
    expect(summary.run.stats.assertions.failed).toBe(0);
  });
});
