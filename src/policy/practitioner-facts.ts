import type { CareTeam, Practitioner } from '@medplum/fhirtypes';
import { and, fieldIn, type Condition } from '../store/condition';
import { matchesCondition } from '../store/condition-eval';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { LINK_TYPE, NIHII_PROFESSIONAL } from '../vocabulary';
import { activeConsentOf, consentedAt, displayName, distinct, inForceAt, isKind, keyIn } from './fact-queries';
import type { FactsScope, LinkFact, NationalAccess, PractitionerFacts } from './facts';
import { nationalPractitionerFacts } from './national-facts';
import type { Principal } from './principal';
import { activeOrganization, holdsActiveRole, isEligible } from './practitioner-registry';
import { documentsHiddenBy } from './restricted-documents';

/** The consents that can name a professional: they grant it access, exclude it, or hide documents from it. */
const NAMING_KINDS = ['grant', 'exclusion', 'document-restriction'];

/** Links in force (with the caller or its institution as member) and consents naming the caller, before they are filtered. */
interface Candidates {
  teams: StoredResource[];
  consents: StoredResource[];
  scopedTo?: string;
}

/**
 * A professional's facts (SPEC §5). Every query starts as soon as what it needs is known, so the
 * request waits for the longest chain, not for the sum of rounds:
 * - the caller's Practitioner (by NIHII) and the institution it claims need only the token;
 * - when the request concerns one patient, that patient's links and consents in force need only the
 *   patient: a search naming it sends them with the registry queries, a read by id as soon as the
 *   document it reads (alongside those) tells whose it is; a patient has a few of each, filtered
 *   here to those naming the caller or its institution;
 * - otherwise the links and consents naming the caller by its id need the Practitioner first;
 * - the role backing the institution claim needs both the Practitioner and the institution.
 * Any query that fails fails the whole (fail closed).
 */
export async function practitionerFacts(
  store: ResourceStore,
  principal: Principal,
  now: Date,
  national?: NationalAccess,
  scope?: FactsScope | Promise<FactsScope | undefined>
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
  const registry = Promise.all([
    store.readFacts('Practitioner', keyIn('identifier', [nihiiKey]), 2),
    // Another hub's professional acts for no institution here (SPEC §11: its links come from the national view).
    national ? Promise.resolve(undefined) : activeOrganization(store, principal.organization),
  ]);
  // Two Practitioners with one NIHII is a data error: refuse rather than guess (fail closed).
  const selfKnown = registry.then(([found]) => (found.length === 1 ? `Practitioner/${found[0]._id}` : undefined));
  const actsForKnown = registry.then(([found, org]) =>
    found.length === 1 && org ? holdsActiveRole(store, `Practitioner/${found[0]._id}`, org, now).then((holds) => (holds ? org : undefined)) : undefined
  );
  const candidatesKnown: Promise<Candidates> = national
    ? Promise.resolve({ teams: [], consents: [] })
    : Promise.resolve(scope).then((s) => (s ? ofPatient(store, s.patient, now) : namingCaller(store, nihiiKey, registry, selfKnown, now)));
  const [[found], self, actingFor, candidates] = await Promise.all([registry, selfKnown, actsForKnown, candidatesKnown]);
  if (national) return found.length > 1 ? empty : nationalPractitionerFacts(store, principal, now, national, empty, found[0]);
  if (!self) return empty;
  const practitioner = found[0] as StoredResource<Practitioner>;
  // The institution's links count only when the role backing the claim exists.
  const teams = candidates.teams.filter((t) => matchesCondition(keyIn('participant', actingFor ? [self, actingFor] : [self]), t));
  const namingMe = candidates.consents.filter((c) => matchesCondition(namesCaller(self, nihiiKey), c));
  const grants = namingMe.filter((c) => isKind(c, 'grant'));
  const links: LinkFact[] = [
    ...teams.map((t) => ({ patient: t.a.patient ?? '', type: linkTypeOf(t.r as CareTeam), basis: `CareTeam/${t._id}` })),
    ...grants.map((g) => ({ patient: g.a.patient ?? '', type: 'grant', basis: `Consent/${g._id}` })),
  ].filter((l) => l.patient);
  // Each link and grant carries its patient's consent window (consent-sync.ts): no Consent query per patient.
  const consentedLinks = [...teams, ...grants].filter((d) => consentedAt(d, now));
  return {
    ...empty,
    self,
    eligible: isEligible(practitioner, profession),
    links,
    consented: new Set(consentedLinks.map((d) => d.a.patient ?? '')),
    excludedBy: new Set(namingMe.filter((c) => isKind(c, 'exclusion')).map((c) => c.a.patient ?? '')),
    hiddenAlways: await documentsHiddenBy(
      store,
      namingMe.filter((c) => isKind(c, 'document-restriction'))
    ),
    actingFor,
    ...(candidates.scopedTo !== undefined ? { scopedTo: candidates.scopedTo } : {}),
    consentBasis: new Map(consentedLinks.filter((d) => d.a.consentRecord).map((d) => [d.a.patient as string, d.a.consentRecord as string])),
    name: displayName(practitioner.r.name),
  };
}

/** A consent names the professional by reference or by NIHII identifier: both count. */
const namesCaller = (self: string, nihiiKey: string): Condition => ({ or: [keyIn('actor', [self]), keyIn('actor:identifier', [nihiiKey])] });

/** Active links whose period contains now, with whatever more narrows them (a patient, a member). */
const linksInForce = (store: ResourceStore, narrower: Condition, now: Date) =>
  store.readFacts('CareTeam', and(narrower, keyIn('status', ['active']), inForceAt('date', now)));

/**
 * Facts for one patient: that patient's links in force and its consents that can name a
 * professional, each query an equality on the patient (`access.patient`). Filtered to those naming
 * the caller, they are the caller's links and consents for that patient and nothing else.
 */
async function ofPatient(store: ResourceStore, patient: string, now: Date): Promise<Candidates> {
  const onPatient = fieldIn('access.patient', [patient]);
  const [teams, consents] = await Promise.all([
    linksInForce(store, onPatient, now),
    store.readFacts('Consent', and(onPatient, activeConsentOf(NAMING_KINDS, now))),
  ]);
  return { teams, consents, scopedTo: patient };
}

/**
 * The full facts: every link naming the caller or the institution it claims, and every consent
 * naming it. Those naming its NIHII need only the token; the others wait for its Practitioner id.
 */
async function namingCaller(
  store: ResourceStore,
  nihiiKey: string,
  registry: Promise<[StoredResource[], string | undefined]>,
  selfKnown: Promise<string | undefined>,
  now: Date
): Promise<Candidates> {
  const kinds = activeConsentOf(NAMING_KINDS, now);
  const byNihii = store.readFacts('Consent', and(keyIn('actor:identifier', [nihiiKey]), kinds));
  const byId = Promise.all([registry, selfKnown]).then(([[, org], self]): Promise<StoredResource[][]> | StoredResource[][] =>
    self
      ? Promise.all([
          linksInForce(store, keyIn('participant', [self]), now),
          // Read alongside the role that backs the claim; kept only if that role exists.
          org ? linksInForce(store, keyIn('participant', [org]), now) : Promise.resolve([]),
          store.readFacts('Consent', and(keyIn('actor', [self]), kinds)),
        ])
      : [[], [], []]
  );
  const [nihiiConsents, [ownTeams, orgTeams, selfConsents]] = await Promise.all([byNihii, byId]);
  return { teams: distinct([...ownTeams, ...orgTeams]), consents: distinct([...selfConsents, ...nihiiConsents]) };
}

function linkTypeOf(team: CareTeam): string {
  return team.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code ?? 'unknown';
}
