import { randomUUID } from 'node:crypto';
import type { Consent, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import { consentKindOf, NO_CONSENT } from './access-fields';
import { hubSharingWindow } from './access-lookups';
import { CLINICAL_TYPES } from './resource-classes';

/**
 * Keeps the consent window of a patient's clinical resources, links and consents equal to their
 * active hub-sharing consent: rule 2 for the author path, and for the link path read off the links
 * (and grants) themselves, so the facts need no Consent query per linked patient.
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

/** Links and grants first: they open the link path, the documents only follow it. */
const WINDOW_TYPES = ['CareTeam', 'Consent', ...CLINICAL_TYPES];

async function setWindow(store: ResourceStore, patient: string, window: typeof NO_CONSENT): Promise<void> {
  // A fresh stamp: a write that read the window before this resync may no longer open its own.
  const consentStamp = randomUUID();
  for (const type of WINDOW_TYPES) await store.setAccessFields(type, 'patient', patient, { ...window, consentStamp });
}
