import type { Consent, Patient, RelatedPerson } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { CONSENT_CHANNEL_EXT, SSIN } from '../vocabulary';
import { activeConsentOf, displayName, keyIn, readForEach } from './fact-queries';
import type { PatientFacts } from './facts';
import type { Principal } from './principal';
import { PORTAL_CHANNELS } from './vocabulary';

/**
 * A patient-role caller (SPEC §5): their own Patient by SSIN, the records others granted them (as a
 * RelatedPerson with that SSIN), and which of those records have a consent that opens the portal.
 */
export async function patientFacts(store: ResourceStore, principal: Principal, now: Date): Promise<PatientFacts> {
  const ssinKey = `${SSIN}|${principal.ssin}`;
  const [patients, relatedPersons] = await Promise.all([
    store.readFacts('Patient', keyIn('identifier', [ssinKey]), 2),
    store.readFacts('RelatedPerson', keyIn('identifier', [ssinKey])),
  ]);
  // Two Patients with one SSIN is a data error: refuse rather than guess (fail closed).
  const self = patients.length === 1 ? `Patient/${patients[0]._id}` : undefined;
  const grants = await readForEach(
    store,
    'Consent',
    'actor',
    relatedPersons.map((r) => `RelatedPerson/${r._id}`),
    activeConsentOf(['grant'], now)
  );
  // A parent's grant stops by itself on the child's 16th birthday (SPEC §4, evaluated now); other grants hold.
  const guardianOf = await childrenUnder16(store, relatedPersons, grants, now);
  const parents = parentsAmong(relatedPersons);
  const inForce = grants.filter((g) => !(g.s.actor ?? []).some((a) => parents.has(a)) || guardianOf.has(g.a.patient ?? ''));
  const records = new Set([...(self ? [self] : []), ...inForce.flatMap((g) => g.a.patient ?? [])]);
  const consents = await readForEach(store, 'Consent', 'patient', [...records], activeConsentOf(['hub-sharing'], now));
  const portal = new Set(consents.filter((c) => PORTAL_CHANNELS.has(channelOf(c.r as Consent) ?? '')).map((c) => c.a.patient ?? ''));
  const name = patients.length === 1 ? displayName((patients[0].r as Patient).name) : undefined;
  return { kind: 'patient', self, records, portal, guardianOf, consentBasis: basisOf(consents), name };
}

/** Relationships (v3-RoleCode) that make a grant holder a parent or legal guardian. */
const PARENT_ROLES = new Set(['MTH', 'FTH', 'PRN', 'GUARD']);

/** Patients under 16 who granted access to the caller as their parent: the parent decides their consent. */
async function childrenUnder16(store: ResourceStore, relatedPersons: StoredResource[], grants: StoredResource[], now: Date): Promise<Set<string>> {
  const parents = parentsAmong(relatedPersons);
  const children = [...new Set(grants.filter((g) => (g.s.actor ?? []).some((a) => parents.has(a))).map((g) => g.a.patient ?? ''))];
  const found = await Promise.all(children.map((child) => store.readFactById('Patient', child.split('/')[1])));
  return new Set(
    children.filter((_, i) => {
      const birthDate = (found[i]?.r as Patient | undefined)?.birthDate;
      return !!birthDate && ageOn(birthDate, now) < 16;
    })
  );
}

function parentsAmong(relatedPersons: StoredResource[]): Set<string> {
  return new Set(
    relatedPersons
      .filter((r) => (r.r as RelatedPerson).relationship?.some((c) => c.coding?.some((x) => PARENT_ROLES.has(x.code ?? ''))))
      .map((r) => `RelatedPerson/${r._id}`)
  );
}

/** Age in whole years on `now` (UTC), from a FHIR date. */
export function ageOn(birthDate: string, now: Date): number {
  const [y, m = 1, d = 1] = birthDate.split('-').map(Number);
  const age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  return beforeBirthday ? age - 1 : age;
}

function basisOf(consents: StoredResource[]): Map<string, string> {
  return new Map(consents.map((c) => [c.a.patient ?? '', `Consent/${c._id}`]));
}

function channelOf(consent: Consent): string | undefined {
  return consent.extension?.find((e) => e.url === CONSENT_CHANNEL_EXT)?.valueCode;
}
