import type { Patient, Resource } from '@medplum/fhirtypes';
import type { WriteObserver } from '../fhir/request-context';
import type { Logger } from '../log';
import { CLINICAL_TYPES } from '../policy/resource-classes';
import { SSIN } from '../vocabulary';
import type { PlannedWrite } from '../store/stored-resource';
import type { MetahubClient } from './metahub-client';
import { nationalForm, type ReadLocal } from './national-form';

/** What the metahub hears of (SPEC §11): consents, links, professionals; clinical writes make us a holder. */
const PUBLISHED_TYPES = new Set(['Consent', 'CareTeam', 'Practitioner']);
const RETRY_MS = 10_000;

export interface Publisher {
  observer: WriteObserver;
  /** Publications that failed and wait for the next attempt (tests and logs). */
  pending(): number;
  stop(): void;
}

/**
 * Publishes every committed change of a consent, link or practitioner to the metahub before the
 * request answers, and registers this hub as a holder of a patient's data at its first clinical
 * write. A failed publication is kept and retried (in this process): the local write stands.
 */
export function createPublisher(metahub: MetahubClient, read: ReadLocal, baseUrl: string, log: Logger): Publisher {
  const waiting = new Map<string, Resource>();
  const waitingHolders = new Set<string>();
  const registered = new Set<string>();

  const flush = async (): Promise<void> => {
    const resources = [...waiting.values()];
    const holders = [...waitingHolders];
    try {
      if (resources.length) await metahub.publish(resources);
      for (const r of resources) if (waiting.get(key(r)) === r) waiting.delete(key(r));
      for (const ssin of holders) {
        await metahub.registerHolder(ssin);
        waitingHolders.delete(ssin);
        registered.add(ssin);
      }
    } catch (err) {
      log.warn('metahub publication failed; kept for retry', {
        pending: waiting.size + waitingHolders.size,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const timer = setInterval(() => {
    if (waiting.size || waitingHolders.size) void flush();
  }, RETRY_MS);
  timer.unref();

  const observer: WriteObserver = async (writes: readonly PlannedWrite[]) => {
    for (const write of writes) {
      if (PUBLISHED_TYPES.has(write.type)) {
        const national = await nationalForm(write.doc.r, write.doc.ts.toISOString(), baseUrl, read);
        if (national) waiting.set(key(national), national);
      } else if (CLINICAL_TYPES.has(write.type) && typeof write.doc.a.patient === 'string') {
        const patient = (await read(write.doc.a.patient)) as Patient | undefined;
        const ssin = patient?.identifier?.find((i) => i.system === SSIN)?.value;
        if (ssin && !registered.has(ssin)) waitingHolders.add(ssin);
      }
    }
    if (waiting.size || waitingHolders.size) await flush();
  };
  return { observer, pending: () => waiting.size + waitingHolders.size, stop: () => clearInterval(timer) };
}

function key(resource: Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}
