import type { Organization, Practitioner } from '@medplum/fhirtypes';
import { and, fieldIn, or } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import type { AccessFields, AccessLookups } from './access-fields';
import { CONSENT_KIND, RELEASE_DEFAULT_EXT, SUMEHR_ACCESS_EXT } from './vocabulary';

/** Staged writes of the bundle being processed, visible to the lookups before they are committed. */
export type StagedReader = (type: string, id: string) => StoredResource | undefined;

/** AccessLookups on the store: reads of facts and registry data, never of clinical content for a caller. */
export function storeLookups(store: ResourceStore, now: () => Date, staged: StagedReader = () => undefined): AccessLookups {
  const readOne = async (reference: string): Promise<StoredResource | undefined> => {
    const [type, id] = reference.split('/');
    if (!type || !id) return undefined;
    return staged(type, id) ?? (await store.readFacts(type, fieldIn('id', [id]), 1))[0];
  };
  return {
    async patientHasConsent(patient) {
      return hasActiveHubSharing(store, patient, now());
    },
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

/** Rule 2's fact: the patient has a hub-sharing consent active now. */
export async function hasActiveHubSharing(store: ResourceStore, patient: string, now: Date): Promise<boolean> {
  const found = await store.readFacts(
    'Consent',
    and(
      fieldIn('keys.patient', [patient]),
      fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]),
      fieldIn('keys.status', ['active']),
      or({ field: 'lo.period', exists: false }, and({ field: 'lo.period', lte: now }, { field: 'hi.period', gte: now }))
    ),
    1
  );
  return found.length > 0;
}
