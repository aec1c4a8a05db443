import type { Patient, Practitioner } from '@medplum/fhirtypes';
import { and, ALWAYS, or, type Condition } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { NIHII_PROFESSIONAL, SSIN } from '../vocabulary';
import { activeConsentOf, displayName, isKind, keyIn, readForEach } from './fact-queries';
import type { LinkFact, NationalAccess, PractitionerFacts } from './facts';
import type { Principal } from './principal';
import { isEligible } from './practitioner-registry';
import { documentsHiddenBy } from './restricted-documents';

/**
 * This hub's own professional on a federated hub (SPEC §11): consents and exclusions are national,
 * so an exclusion registered at any hub hides the patient here too, and a patient counts as
 * consented only while their national consent is active (a revocation anywhere stops access here).
 * The local registry stays the authority on who this hub's professional is.
 */
export async function withNationalView(store: ResourceStore, f: PractitionerFacts, national: NationalAccess): Promise<PractitionerFacts> {
  if (!f.eligible) return f;
  const patients = await patientsBySsin(store, [...national.excluded, ...national.consented]);
  const ssinOf = new Map(patients.map((p) => [`Patient/${p._id}`, (p.r as Patient).identifier?.find((i) => i.system === SSIN)?.value ?? '']));
  const excluded = new Set(national.excluded);
  const consented = new Set(national.consented);
  return {
    ...f,
    excludedBy: new Set([...f.excludedBy, ...[...ssinOf].filter(([, ssin]) => excluded.has(ssin)).map(([patient]) => patient)]),
    consented: new Set([...f.consented].filter((patient) => consented.has(ssinOf.get(patient) ?? ''))),
  };
}

/**
 * This hub's Patients for the national view's SSINs (the view names patients by SSIN only): one
 * equality per SSIN, since an `$in` on the identifier would read every Patient of the hub.
 */
async function patientsBySsin(store: ResourceStore, ssins: string[]): Promise<StoredResource[]> {
  return readForEach(
    store,
    'Patient',
    'identifier',
    [...new Set(ssins)].map((s) => `${SSIN}|${s}`),
    ALWAYS
  );
}

/**
 * Another hub's professional (SPEC §11): eligibility, links, consent state and exclusions from the
 * metahub's national view, mapped to this hub's patients by SSIN; this hub's own exclusions and
 * document restrictions naming the professional by NIHII (or by its local entry) hold as well.
 */
export async function nationalPractitionerFacts(
  store: ResourceStore,
  principal: Principal,
  now: Date,
  national: NationalAccess,
  empty: PractitionerFacts,
  local: StoredResource | undefined
): Promise<PractitionerFacts> {
  // Known here too: its local entry (authorship, a local deactivation) counts as well.
  const self = local ? `Practitioner/${local._id}` : `Practitioner?identifier=${NIHII_PROFESSIONAL}|${principal.nihii}`;
  const eligible = national.active && (!local || isEligible(local as StoredResource<Practitioner>, empty.profession));
  if (!eligible) return { ...empty, self };
  const patients = await patientsBySsin(store, [...national.links.map((l) => l.ssin), ...national.excluded]);
  const patientOf = new Map<string, string>();
  for (const p of patients) {
    const ssin = (p.r as Patient).identifier?.find((i) => i.system === SSIN)?.value;
    if (ssin) patientOf.set(ssin, `Patient/${p._id}`);
  }
  const links: LinkFact[] = national.links
    .filter((l) => patientOf.has(l.ssin))
    .map((l) => ({ patient: patientOf.get(l.ssin) as string, type: l.type, basis: l.source }));
  const namesMe = or(
    ...[local ? keyIn('actor', [`Practitioner/${local._id}`]) : undefined, keyIn('actor:identifier', [`${NIHII_PROFESSIONAL}|${principal.nihii}`])].filter(
      (c): c is Condition => !!c
    )
  );
  const namingMe = await store.readFacts('Consent', and(activeConsentOf(['exclusion', 'document-restriction'], now), namesMe));
  const excludedHere = namingMe.filter((c) => isKind(c, 'exclusion')).map((c) => c.a.patient ?? '');
  const excludedNationally = national.excluded.map((s) => patientOf.get(s)).filter((p): p is string => !!p);
  return {
    ...empty,
    self,
    eligible,
    links,
    // This hub's own sidecar still requires its local consent window (rule 2); this is the national state on top.
    consented: new Set(national.consented.map((s) => patientOf.get(s)).filter((p): p is string => !!p)),
    excludedBy: new Set([...excludedHere, ...excludedNationally]),
    hiddenAlways: await documentsHiddenBy(
      store,
      namingMe.filter((c) => isKind(c, 'document-restriction'))
    ),
    name: national.name ?? (local ? displayName((local.r as Practitioner).name) : undefined),
  };
}
