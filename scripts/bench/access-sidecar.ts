import type { Resource } from '@medplum/fhirtypes';
import type { Db } from 'mongodb';
import { toStoredResource } from '../../src/fhir/stored-form';
import { computeAccessFields, NO_RESTRICTION, type AccessLookups, type ConsentWindow } from '../../src/policy/access-fields';
import { storeLookups } from '../../src/policy/access-lookups';
import { ResourceStore } from '../../src/store/resource-store';
import type { StoredResource } from '../../src/store/stored-resource';

export type StoredFormBuilder = (resource: Resource & { id: string }) => Promise<StoredResource>;

/**
 * Consent windows of the hub-sharing consents a bulk loader is writing itself, by patient
 * (`Patient/<id>`), computed by the policy's own consentWindowOf: the consent's own stored form and
 * its patient's links and documents carry the window without a look-up that could not find it yet.
 */
export type KnownWindows = Map<string, ConsentWindow>;

/**
 * Builds the stored form the hub writes for version 1 of a resource: search sidecar, and the access
 * sidecar computed by the policy layer with its lookups on this database (as HubRepository does).
 * A patient's consent window is taken from `known` (the consents the loader writes), else looked up
 * once it is found. The seed writes no document restriction, so every document carries the open
 * author-only window (NO_RESTRICTION, as the hub computes it without restrictions), not looked up per document.
 */
export function storedFormBuilder(db: Db, baseUrl: string, known: KnownWindows = new Map()): StoredFormBuilder {
  const fromStore = storeLookups(new ResourceStore(db), baseUrl, new Date());
  const windows = new Map<string, ReturnType<AccessLookups['consentWindow']>>();
  // A batch builds 1,000 stored forms at once: a few look-ups in flight keep FerretDB's connection pool from running dry.
  const inFlight = limiter(LOOKUPS_IN_FLIGHT);
  const lookups: AccessLookups = {
    ...fromStore,
    consentWindow: (patient) => {
      const written = known.get(patient);
      if (written) return Promise.resolve(written);
      let window = windows.get(patient);
      if (!window) {
        window = inFlight(() => fromStore.consentWindow(patient));
        windows.set(patient, window);
        // Not found yet (its Consent is being seeded): ask again next time.
        void window.then((w) => w.consentRecord || windows.delete(patient));
      }
      return window;
    },
    authorOnlyWindow: async () => NO_RESTRICTION,
  };
  return async (resource) => {
    const now = new Date();
    const withMeta = { ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated: now.toISOString() } };
    const access = await computeAccessFields(withMeta, lookups);
    return toStoredResource(resource, 1, now, baseUrl, { ...access });
  };
}

const LOOKUPS_IN_FLIGHT = 8;

/** Runs at most `max` of the given tasks at once, the others queued in call order. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    running--;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        task().then(resolve, reject).finally(release);
      };
      if (running < max) start();
      else queue.push(start);
    });
}
