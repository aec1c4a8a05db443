import type { Consent, Organization, Practitioner } from '@medplum/fhirtypes';
import { relativeReference } from '../fhir/search-values';
import { and, fieldIn } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { NO_CONSENT, type AccessFields, type AccessLookups, type ConsentWindow } from './access-fields';
import { CONSENT_KIND, RELEASE_DEFAULT_EXT, SUMEHR_ACCESS_EXT } from './vocabulary';

/** Staged writes of the bundle being processed, visible to the lookups before they are committed. */
export type StagedReader = (type: string, id: string) => StoredResource | undefined;

/** AccessLookups on the store: reads of facts and registry data, never of clinical content for a caller. */
export function storeLookups(store: ResourceStore, baseUrl: string, staged: StagedReader = () => undefined): AccessLookups {
  const relative = (reference: string | undefined) => (reference ? relativeReference(reference, baseUrl) : undefined);
  const readOne = async (reference: string): Promise<StoredResource | undefined> => {
    const [type, id] = reference.split('/');
    if (!type || !id) return undefined;
    return staged(type, id) ?? (await store.readFactById(type, id));
  };
  return {
    relative,
    consentWindow: (patient) => hubSharingWindow(store, patient),
    async releaseDefault(custodian, docClass) {
      const org = custodian ? ((await readOne(custodian))?.r as Organization | undefined) : undefined;
      const setting = org?.extension
        ?.filter((e) => e.url === RELEASE_DEFAULT_EXT)
        .find((e) => e.extension?.find((x) => x.url === 'class')?.valueCode === docClass);
      const rule = setting?.extension?.find((x) => x.url === 'rule')?.valueCode;
      return rule ? { rule, delayDays: setting?.extension?.find((x) => x.url === 'delayDays')?.valueInteger } : undefined;
    },
    async sumehrDefault(author) {
      const gp = author ? ((await readOne(author))?.r as Practitioner | undefined) : undefined;
      return gp?.extension?.find((e) => e.url === SUMEHR_ACCESS_EXT)?.valueCode;
    },
    async securityContextFields(reference) {
      return (await readOne(reference))?.a as AccessFields | undefined;
    },
  };
}

/**
 * Rule 2's fact for the sidecar: the period of the patient's active hub-sharing consent (at most
 * one is active, SPEC §4). Kept as dates so an end in the future is enforced by the query at its
 * time, not by a job.
 */
export async function hubSharingWindow(store: ResourceStore, patient: string): Promise<ConsentWindow> {
  const [active] = await store.readFacts(
    'Consent',
    and(fieldIn('keys.patient', [patient]), fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]), fieldIn('keys.status', ['active'])),
    1
  );
  if (!active) return NO_CONSENT;
  const period = (active.r as Consent).provision?.period;
  const from = period?.start ? new Date(period.start) : new Date(0);
  const until = period?.end ? new Date(period.end) : new Date('9999-12-31T23:59:59.999Z');
  return Number.isNaN(from.getTime()) || Number.isNaN(until.getTime()) ? NO_CONSENT : { consentFrom: from, consentUntil: until };
}
