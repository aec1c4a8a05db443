import type { Endpoint, Organization, Patient, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { hubSharingWindow } from '../policy/access-lookups';
import { ageOn } from '../policy/facts';
import { CONSENT_KIND, NIHII_PROFESSIONAL, PROFESSION, SH, SSIN } from '../vocabulary';
import { and, fieldIn, or } from '../store/condition';
import type { FactReads } from '../store/fact-reads';
import type { StoredResource } from '../store/stored-resource';

/** Duty codes of a PractitionerRole (SPEC §10, break-the-glass). */
export const DUTY = `${SH}/CodeSystem/duty`;

export type ConsentStatus = { status: 'active'; since: Date } | { status: 'revoked' | 'none' };

/**
 * The questions workflows may ask beyond what the caller sees (ARCHITECTURE "The same holds for
 * writes"): each returns only its answer, never a document of a patient. Registry entries
 * (Practitioner, Organization) are not patient data: every registered user reads them.
 * Implemented by the repository over the store; workflows never see the store itself.
 */
export interface WorkflowPort {
  /** The patient (`Patient/<id>`) has an active hub-sharing consent now. */
  hasActiveConsent(patient: string): Promise<boolean>;
  /** active (since when), revoked (there was one, none in force) or none. */
  consentStatus(patient: string): Promise<ConsentStatus>;
  /** Ids of the patient's stored active hub-sharing Consents. */
  activeHubSharingConsents(patient: string): Promise<string[]>;
  /** `Patient/<id>` of the one Patient with this SSIN. */
  patientBySsin(ssin: string): Promise<string | undefined>;
  patientExists(patient: string): Promise<boolean>;
  /** The patient's age in whole years now, when its birth date is known. */
  ageOf(patient: string): Promise<number | undefined>;
  /** An active exclusion of the patient names this Practitioner (by reference or NIHII). */
  isExcluded(patient: string, practitioner: string): Promise<boolean>;
  /** The profession of an active, registered Practitioner; undefined otherwise. */
  professionOf(practitioner: string): Promise<string | undefined>;
  /** The Practitioner holds an active PractitionerRole with one of these duty codes now. */
  hasDuty(practitioner: string, duties: readonly string[]): Promise<boolean>;
  /** A registry entry (not deleted), for the registration rules and the registered content sources. */
  registryEntry<T extends Practitioner | Organization | Endpoint>(type: T['resourceType'], id: string): Promise<T | undefined>;
  /** The resource (`Type/id`) is an entry of a SUMEHR: it takes its access from that SUMEHR. */
  isSumehrEntry(reference: string): Promise<boolean>;
  /** The patient (`Patient/<id>`) whose record a stored patient-linked resource (`Type/id`) is; undefined when missing. */
  recordOf(reference: string): Promise<string | undefined>;
  /** A registration Task of this kind is pending (`requested`) for this subject. */
  hasPendingTask(code: string, subject: string): Promise<boolean>;
}

/** The port over the store, at the request's time; reads by id through `factById` when given (one interaction's reads). */
export function storePort(
  store: FactReads,
  now: Date,
  factById: (type: string, id: string) => Promise<StoredResource | undefined> = (type, id) => store.readFactById(type, id)
): WorkflowPort {
  const idOf = (reference: string) => reference.split('/')[1] ?? '';
  const hubSharing = (patient: string) => and(fieldIn('keys.patient', [patient]), fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]));
  return {
    async hasActiveConsent(patient) {
      const window = await hubSharingWindow(store, patient);
      return window.consentFrom <= now && now <= window.consentUntil;
    },
    async consentStatus(patient) {
      const window = await hubSharingWindow(store, patient);
      if (window.consentFrom <= now && now <= window.consentUntil) return { status: 'active', since: window.consentFrom };
      return (await store.readFacts('Consent', hubSharing(patient), 1)).length ? { status: 'revoked' } : { status: 'none' };
    },
    async activeHubSharingConsents(patient) {
      return (await store.readFacts('Consent', and(hubSharing(patient), fieldIn('keys.status', ['active'])), 10)).map((c) => c._id);
    },
    async patientBySsin(ssin) {
      const found = await store.readFacts('Patient', fieldIn('keys.identifier', [`${SSIN}|${ssin}`]), 1);
      return found.length ? `Patient/${found[0]._id}` : undefined;
    },
    async patientExists(patient) {
      const doc = patient.startsWith('Patient/') ? await factById('Patient', idOf(patient)) : undefined;
      return !!doc && !doc.del;
    },
    async ageOf(patient) {
      const record = patient.startsWith('Patient/') ? ((await factById('Patient', idOf(patient)))?.r as Patient | undefined) : undefined;
      return record?.birthDate ? ageOn(record.birthDate, now) : undefined;
    },
    async isExcluded(patient, practitioner) {
      const doc = await factById('Practitioner', idOf(practitioner));
      const nihii = (doc?.r as Practitioner | undefined)?.identifier?.find((i) => i.system === NIHII_PROFESSIONAL)?.value;
      const found = await store.readFacts(
        'Consent',
        and(
          fieldIn('keys.patient', [patient]),
          fieldIn('keys.category', [`${CONSENT_KIND}|exclusion`]),
          fieldIn('keys.status', ['active']),
          or(fieldIn('keys.actor', [practitioner]), fieldIn('keys.actor:identifier', nihii ? [`${NIHII_PROFESSIONAL}|${nihii}`] : [])),
          or({ field: 'lo.period', exists: false }, and({ field: 'lo.period', lte: now }, { field: 'hi.period', gte: now }))
        ),
        1
      );
      return found.length > 0;
    },
    async professionOf(practitioner) {
      if (!practitioner.startsWith('Practitioner/')) return undefined;
      const doc = await factById('Practitioner', idOf(practitioner));
      const found = doc?.r as Practitioner | undefined;
      if (!found?.active || doc?.del) return undefined;
      return found.qualification?.flatMap((q) => q.code.coding ?? []).find((c) => c.system === PROFESSION)?.code;
    },
    async hasDuty(practitioner, duties) {
      const roles = await store.readFacts('PractitionerRole', and(fieldIn('keys.practitioner', [practitioner]), fieldIn('keys.active', ['true'])), 50);
      return roles.some((doc) => {
        const role = doc.r as PractitionerRole;
        const start = role.period?.start ? new Date(role.period.start) : undefined;
        const end = role.period?.end ? new Date(role.period.end) : undefined;
        const inForce = (!start || start <= now) && (!end || now <= end);
        return inForce && (role.code ?? []).some((c) => c.coding?.some((x) => x.system === DUTY && duties.includes(x.code ?? '')));
      });
    },
    async registryEntry<T extends Practitioner | Organization | Endpoint>(type: T['resourceType'], id: string) {
      const doc = await factById(type, id);
      return doc && !doc.del ? (doc.r as T) : undefined;
    },
    async recordOf(reference) {
      const [type, id] = reference.split('/');
      const patient = type && id ? (await factById(type, id))?.a.patient : undefined;
      return typeof patient === 'string' ? patient : undefined;
    },
    async isSumehrEntry(reference) {
      const [type, id] = reference.split('/');
      const doc = type && id ? await factById(type, id) : undefined;
      return !!doc && String(doc.a.document ?? '').startsWith('Composition/');
    },
    async hasPendingTask(code, subject) {
      const where = and(fieldIn('keys.code', [code]), fieldIn('keys.subject', [subject]), fieldIn('keys.status', ['requested']));
      return (await store.readFacts('Task', where, 1)).length > 0;
    },
  };
}
