import type { CareTeam, Consent, DocumentReference, HumanName, Patient, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { ALWAYS, and, fieldIn, or, type Condition } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import type { Principal } from './principal';
import { PORTAL_CHANNELS } from './vocabulary';
import {
  CBE,
  CONSENT_CHANNEL_EXT,
  CONSENT_KIND,
  JUNIOR_ACCREDITATION_EXT,
  LINK_TYPE,
  NIHII_ORGANIZATION,
  NIHII_PROFESSIONAL,
  PROFESSION,
  SSIN,
} from '../vocabulary';

/** An active therapeutic link (or a professional grant) as the policy sees it. */
export interface LinkFact {
  patient: string;
  type: string;
  /** The CareTeam (or grant Consent) itself, `Type/id`: what an audited access rested on. */
  basis?: string;
}

export interface PractitionerFacts {
  kind: 'practitioner';
  /** `Practitioner/<id>`; absent when the NIHII matches no Practitioner. */
  self?: string;
  /** Rule 1 and the profession check of rule 5: active, registered, qualified as the token says. */
  eligible: boolean;
  profession: string;
  /** Active links naming the practitioner or the institution it acts for, plus grants to it. */
  links: LinkFact[];
  /** Patients (of the linked ones) with an active hub-sharing consent now, read off the links' consent window. */
  consented: Set<string>;
  /** Patients with an active exclusion naming the practitioner. */
  excludedBy: Set<string>;
  /**
   * Documents (`DocumentReference/<id>`) hidden from this practitioner by a restriction naming it.
   * Restrictions without actor are on the documents' own sidecar (authorOnlyFrom/Until), not here.
   */
  hiddenAlways: Set<string>;
  /** `Organization/<id>` the practitioner acts for (its `organization` claim, backed by an active PractitionerRole). */
  actingFor?: string;
  /**
   * `Patient/<id>` when the facts were loaded for one patient only (the request concerns that
   * patient): links are that patient's, and every patient-linked read is held to that patient.
   */
  scopedTo?: string;
  /** For the audit trail: the active hub-sharing Consent of each consented patient, and the caller's name. */
  consentBasis?: Map<string, string>;
  name?: string;
}

export interface PatientFacts {
  kind: 'patient';
  /** `Patient/<id>` of the caller, if registered. */
  self?: string;
  /** Whose consents, links and audit trail the caller sees: self and patients who granted them. */
  records: Set<string>;
  /** Of those, whose documents the caller sees: an active consent registered through a portal channel. */
  portal: Set<string>;
  /** Children under 16 for whom the caller holds a parental grant: the parent registers their consent (SPEC §4). */
  guardianOf?: Set<string>;
  /** For the audit trail: the active hub-sharing Consent of each record, the caller's name. */
  consentBasis?: Map<string, string>;
  name?: string;
}

/** guarantor, institution-admin (with the active Organization they act for) and hub-admin. */
export interface AdministrativeFacts {
  kind: 'administrative';
  /** `Organization/<id>` of a guarantor or institution-admin; absent for hub-admin. */
  organization?: string;
}

/**
 * What the metahub answers a hub deciding for another hub's professional (SPEC §11), by SSIN: the
 * national view of their links, consents and exclusions at decision time (no copies kept).
 */
export interface NationalAccess {
  /** Active with the token's profession in the national registry, as the calling hub published it. */
  active: boolean;
  name?: string;
  /** Links (and grants) in force naming the professional, at any hub; `source` is the record at its hub. */
  links: { ssin: string; type: string; source: string }[];
  /** Of the linked patients, those whose national hub-sharing consent is active now. */
  consented: string[];
  /** Patients with an exclusion in force naming the professional, registered at any hub. */
  excluded: string[];
}

export type Facts = PractitionerFacts | PatientFacts | AdministrativeFacts | { kind: 'none' };

/** The one patient a request concerns, when known before its facts are loaded (request-scope.ts). */
export interface FactsScope {
  patient: string;
}

const keyIn = (code: string, values: string[]): Condition => fieldIn(`keys.${code}`, values);
/** Period contains now: start at or before it, end (or no end) at or after it. */
const inForceAt = (dateCode: string, now: Date): Condition => and({ field: `lo.${dateCode}`, lte: now }, { field: `hi.${dateCode}`, gte: now });
const activeConsentOf = (kinds: string[], now: Date): Condition =>
  and(
    keyIn(
      'category',
      kinds.map((k) => `${CONSENT_KIND}|${k}`)
    ),
    keyIn('status', ['active']),
    or({ field: 'lo.period', exists: false }, inForceAt('period', now))
  );
const isKind = (consent: StoredResource, kind: string): boolean => (consent.s.category ?? []).includes(`${CONSENT_KIND}|${kind}`);
/** Rule 2 off a link's or grant's sidecar: the patient's consent window contains now (missing = no). */
function consentedAt(doc: StoredResource, now: Date): boolean {
  const { consentFrom, consentUntil } = doc.a;
  return consentFrom instanceof Date && consentUntil instanceof Date && consentFrom.getTime() <= now.getTime() && now.getTime() <= consentUntil.getTime();
}

/**
 * Loads every fact the caller's access decisions need: a few rounds of parallel queries, each an
 * equality on one value (a top-level key of the filter, pushed down and indexed on every engine).
 */
export async function loadFacts(store: ResourceStore, principal: Principal, now: Date, national?: NationalAccess, scope?: FactsScope): Promise<Facts> {
  switch (principal.role) {
    case 'practitioner': {
      const local = await practitionerFacts(store, principal, now, undefined, scope);
      return national ? withNationalView(store, local, national) : local;
    }
    case 'patient':
      return patientFacts(store, principal, now);
    case 'hub':
      // A peer hub gets what the professional it acts for would get here, from the national view
      // the metahub answered for this call (SPEC §11); without that answer, nothing (fail closed).
      return principal.actor?.role === 'practitioner' && national ? practitionerFacts(store, principal.actor, now, national) : { kind: 'none' };
    case 'guarantor':
    case 'institution-admin': {
      // SPEC §2: the organization they act for must exist and be active.
      const organization = await activeOrganization(store, principal.organization);
      return organization ? { kind: 'administrative', organization } : { kind: 'none' };
    }
    case 'hub-admin':
      return { kind: 'administrative' };
    default:
      return { kind: 'none' };
  }
}

async function practitionerFacts(
  store: ResourceStore,
  principal: Principal,
  now: Date,
  national?: NationalAccess,
  scope?: FactsScope
): Promise<PractitionerFacts> {
  const profession = principal.profession ?? '';
  const empty: PractitionerFacts = {
    kind: 'practitioner',
    eligible: false,
    profession,
    links: [],
    consented: new Set(),
    excludedBy: new Set(),
    hiddenAlways: new Set(),
  };
  const nihiiKey = `${NIHII_PROFESSIONAL}|${principal.nihii}`;
  const namingMeKinds = activeConsentOf(['grant', 'exclusion', 'document-restriction'], now);
  // Round 1: what needs only the token. Every query is an equality on one value (pushed down and indexed).
  const [found, orgRef, namingMyNihii] = await Promise.all([
    store.readFacts('Practitioner', keyIn('identifier', [nihiiKey]), 2),
    activeOrganization(store, principal.organization),
    // A consent may name the professional by reference or by NIHII identifier: both count.
    store.readFacts('Consent', and(keyIn('actor:identifier', [nihiiKey]), namingMeKinds)),
  ]);
  // Two Practitioners with one NIHII is a data error: refuse rather than guess (fail closed).
  if (found.length > 1 || (found.length === 0 && !national)) return empty;
  if (national) return nationalPractitionerFacts(store, principal, now, national, empty, found[0]);
  const [practitioner] = found;
  const self = `Practitioner/${practitioner._id}`;
  const eligible = isEligible(practitioner as StoredResource<Practitioner>, profession);
  // Round 2: what needs the Practitioner's id. The institution's links are read alongside the
  // role that backs the claim, and kept only if that role exists.
  // Scoped to one patient: that patient's links only (its few CareTeams, not the GP's thousand).
  const activeLinksOf = (member: string) =>
    store.readFacts(
      'CareTeam',
      and(scope ? fieldIn('access.patient', [scope.patient]) : ALWAYS, keyIn('participant', [member]), keyIn('status', ['active']), inForceAt('date', now))
    );
  const [actsForOrg, ownTeams, orgTeams, namingMyself] = await Promise.all([
    orgRef ? holdsActiveRole(store, self, orgRef, now) : Promise.resolve(false),
    activeLinksOf(self),
    orgRef ? activeLinksOf(orgRef) : Promise.resolve([]),
    store.readFacts('Consent', and(keyIn('actor', [self]), namingMeKinds)),
  ]);
  const actingFor = actsForOrg ? orgRef : undefined;
  const teams = distinct([...ownTeams, ...(actingFor ? orgTeams : [])]);
  const namingMe = distinct([...namingMyself, ...namingMyNihii]);
  const grants = namingMe.filter((c) => isKind(c, 'grant'));
  const exclusions = namingMe.filter((c) => isKind(c, 'exclusion'));
  const restrictionsOnMe = namingMe.filter((c) => isKind(c, 'document-restriction'));
  const links: LinkFact[] = [
    ...teams.map((t) => ({ patient: t.a.patient ?? '', type: linkTypeOf(t.r as CareTeam), basis: `CareTeam/${t._id}` })),
    ...grants.map((g) => ({ patient: g.a.patient ?? '', type: 'grant', basis: `Consent/${g._id}` })),
  ].filter((l) => l.patient);
  // Each link and grant carries its patient's consent window (consent-sync.ts): no Consent query per patient.
  const consentedLinks = [...teams, ...grants].filter((d) => consentedAt(d, now));
  return {
    ...empty,
    self,
    eligible,
    links,
    consented: new Set(consentedLinks.map((d) => d.a.patient ?? '')),
    excludedBy: new Set(exclusions.map((c) => c.a.patient ?? '')),
    hiddenAlways: await withSafeContent(store, restrictedDocuments(restrictionsOnMe)),
    actingFor,
    ...(scope ? { scopedTo: scope.patient } : {}),
    consentBasis: new Map(consentedLinks.filter((d) => d.a.consentRecord).map((d) => [d.a.patient as string, d.a.consentRecord as string])),
    name: displayName((practitioner.r as Practitioner).name),
  };
}

/**
 * "Field is one of these" as one equality query per value, at most this many in flight: FerretDB
 * pushes a top-level equality down to an index but never an `$in`, which it answers by reading
 * every document the rest of the filter allows (for the consents of a GP's patients: every active
 * consent of the network). So the cost follows the caller's own links, not the network's size.
 */
// Kept low: FerretDB 1.24 holds at most 50 PostgreSQL connections and was seen to hang for good
// once 20 concurrent requests each held 16 (test suite, 2026-11-29); 2 keeps a request's share small.
const EQUALITY_QUERIES_IN_FLIGHT = 2;

async function readForEach(store: ResourceStore, type: string, code: string, values: string[], rest: Condition): Promise<StoredResource[]> {
  const found: StoredResource[][] = new Array(values.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < values.length) {
      const i = next++;
      found[i] = await store.readFacts(type, and(keyIn(code, [values[i]]), rest));
    }
  };
  await Promise.all(Array.from({ length: Math.min(EQUALITY_QUERIES_IN_FLIGHT, values.length) }, worker));
  return distinct(found.flat());
}

/** One copy of each document (a consent can name the caller both by reference and by NIHII). */
function distinct(docs: StoredResource[]): StoredResource[] {
  const seen = new Set<string>();
  return docs.filter((d) => !seen.has(d._id) && !!seen.add(d._id));
}

/**
 * This hub's own professional on a federated hub (SPEC §11): consents and exclusions are national,
 * so an exclusion registered at any hub hides the patient here too, and a patient counts as
 * consented only while their national consent is active (a revocation anywhere stops access here).
 * The local registry stays the authority on who this hub's professional is.
 */
async function withNationalView(store: ResourceStore, f: PractitionerFacts, national: NationalAccess): Promise<PractitionerFacts> {
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
async function nationalPractitionerFacts(
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
    hiddenAlways: await withSafeContent(store, restrictedDocuments(namingMe.filter((c) => isKind(c, 'document-restriction')))),
    name: national.name ?? (local ? displayName((local.r as Practitioner).name) : undefined),
  };
}

/**
 * A restriction names a DocumentReference; a SUMEHR's content is its Composition in the hub's safe
 * (`Composition/<id>`, whose entries carry the same `document`): the restriction hides those too.
 */
async function withSafeContent(store: ResourceStore, documents: Set<string>): Promise<Set<string>> {
  const ids = [...documents].filter((d) => d.startsWith('DocumentReference/')).map((d) => d.split('/')[1]);
  if (!ids.length) return documents;
  const found = await store.readFacts('DocumentReference', fieldIn('id', ids));
  const safe = found.flatMap((d) =>
    ((d.r as DocumentReference).content ?? []).map((c) => c.attachment?.url ?? '').filter((u) => /^Composition\/[A-Za-z0-9\-.]{1,64}$/.test(u))
  );
  return new Set([...documents, ...safe]);
}

/**
 * Rules 1 and 5: an active Practitioner whose qualifications include the token's profession; a
 * junior doctor (junior-accreditation extension) only once accredited (SPEC §6).
 */
function isEligible(doc: StoredResource<Practitioner>, profession: string): boolean {
  const qualified = (doc.r.qualification ?? []).some((q) => q.code.coding?.some((c) => c.system === PROFESSION && c.code === profession));
  const accreditation = doc.r.extension?.find((e) => e.url === JUNIOR_ACCREDITATION_EXT);
  const accredited = !accreditation || accreditation.extension?.find((e) => e.url === 'status')?.valueCode === 'accredited';
  return doc.r.active === true && qualified && accredited;
}

/** The one active Organization with this NIHII or CBE number, as `Organization/<id>`. */
async function activeOrganization(store: ResourceStore, organization: string | undefined): Promise<string | undefined> {
  if (!organization) return undefined;
  const orgs = await readForEach(store, 'Organization', 'identifier', [`${NIHII_ORGANIZATION}|${organization}`, `${CBE}|${organization}`], ALWAYS);
  if (orgs.length !== 1 || (orgs[0].r as { active?: boolean }).active === false) return undefined;
  return `Organization/${orgs[0]._id}`;
}

/** The practitioner acts for the institution it claims only with an active PractitionerRole there. */
async function holdsActiveRole(store: ResourceStore, self: string, orgRef: string, now: Date): Promise<boolean> {
  const roles = await store.readFacts(
    'PractitionerRole',
    and(
      keyIn('practitioner', [self]),
      keyIn('organization', [orgRef]),
      keyIn('active', ['true']),
      or({ field: 'lo.date', exists: false }, inForceAt('date', now))
    ),
    1
  );
  return roles.length > 0;
}

async function patientFacts(store: ResourceStore, principal: Principal, now: Date): Promise<PatientFacts> {
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

function displayName(names: HumanName[] | undefined): string | undefined {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return undefined;
  return name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

function channelOf(consent: Consent): string | undefined {
  return consent.extension?.find((e) => e.url === CONSENT_CHANNEL_EXT)?.valueCode;
}

function linkTypeOf(team: CareTeam): string {
  return team.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code ?? 'unknown';
}

/** From the search sidecar, where references are already relative to this hub (absolute forms included). */
function restrictedDocuments(restrictions: StoredResource[]): Set<string> {
  return new Set(restrictions.flatMap((r) => r.s.data ?? []));
}
