import type { Consent, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import { consentKindOf, ref } from './access-fields';
import { hasActiveHubSharing } from './access-lookups';
import { CLINICAL_TYPES } from './resource-classes';

/**
 * Keeps the `consent` flag of a patient's clinical resources equal to "has an active hub-sharing
 * consent" (rule 2 for the author path, where consent cannot come from per-request facts).
 * Fail-closed order: before a consent write the flag is cleared if the patient may lose consent;
 * after it, the flag is set from the stored truth. A crash in between hides, never shows.
 */
export function hubSharingPatient(resource: Resource | undefined): string | undefined {
  if (resource?.resourceType !== 'Consent' || consentKindOf(resource as Consent) !== 'hub-sharing') return undefined;
  return ref((resource as Consent).patient);
}

export async function beforeConsentWrite(store: ResourceStore, patients: string[]): Promise<void> {
  for (const patient of patients) await setConsentFlag(store, patient, false);
}

export async function afterConsentWrite(store: ResourceStore, patients: string[], now: Date): Promise<void> {
  for (const patient of patients) await setConsentFlag(store, patient, await hasActiveHubSharing(store, patient, now));
}

async function setConsentFlag(store: ResourceStore, patient: string, consent: boolean): Promise<void> {
  for (const type of CLINICAL_TYPES) await store.setAccessFields(type, patient, { consent });
}
