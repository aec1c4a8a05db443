import type { Consent, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import { consentKindOf, NO_CONSENT } from './access-fields';
import { hubSharingWindow } from './access-lookups';
import { CLINICAL_TYPES } from './resource-classes';

/**
 * Keeps the consent window of a patient's clinical resources equal to their active hub-sharing
 * consent (rule 2 for the author path, where consent cannot come from per-request facts).
 * Fail-closed order: before a consent write the window is closed; after it, it is set from the
 * stored truth (also when the write failed). A crash in between hides, never shows.
 */
export function hubSharingPatient(resource: Resource | undefined, relative: (ref: string | undefined) => string | undefined): string | undefined {
  if (resource?.resourceType !== 'Consent' || consentKindOf(resource as Consent) !== 'hub-sharing') return undefined;
  return relative((resource as Consent).patient?.reference);
}

export async function beforeConsentWrite(store: ResourceStore, patients: string[]): Promise<void> {
  for (const patient of patients) await setWindow(store, patient, NO_CONSENT);
}

export async function afterConsentWrite(store: ResourceStore, patients: string[]): Promise<void> {
  for (const patient of patients) await setWindow(store, patient, await hubSharingWindow(store, patient));
}

async function setWindow(store: ResourceStore, patient: string, window: typeof NO_CONSENT): Promise<void> {
  for (const type of CLINICAL_TYPES) await store.setAccessFields(type, 'patient', patient, { ...window });
}
