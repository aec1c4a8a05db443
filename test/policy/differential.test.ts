import fc from 'fast-check';
import type { Resource } from '@medplum/fhirtypes';
import type { HubRepository } from '../../src/fhir/hub-repository';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { systemPolicy } from '../../src/policy/access-policy';
import { decide } from '../../src/policy/decide';
import type { Principal } from '../../src/policy/principal';
import type { StoredResource } from '../../src/store/stored-resource';
import { documentFor } from '../support/network';
import { startTestHub, type TestHub } from '../support/test-hub';
import { SH } from '../../src/vocabulary';

/**
 * The differential test of the access engine: for random networks (patients, professionals,
 * links, consents, exclusions, restrictions, labels, release rules) the set a scoped search
 * returns equals the set decide() permits, document by document, and the total agrees.
 */
const NOW = new Date('2026-11-23T12:00:00Z');
const CLASSES = ['summary', 'lab-result', 'consultation-note', 'psychiatric', 'medication', 'discharge-letter'];
const PROFESSIONS = ['physician', 'nurse', 'pharmacist', 'dentist'];
const LINK_TYPES = ['gp-long-term', 'gmd', 'referral', 'emergency', 'pharmacist'];
const RULES = ['immediate', 'delayed', 'never', 'on-physician-release'];

let t: TestHub;
let run = 0;
beforeAll(async () => {
  t = await startTestHub({ clock: () => NOW });
});
afterAll(async () => {
  await t.close();
});

const world = fc.record({
  // Weighted towards networks where access is granted, so both outcomes are exercised every run.
  patients: fc.array(
    fc.record({ consent: fc.constantFrom('active', 'active', 'active', 'revoked', 'none'), channel: fc.constantFrom('gp', 'hub-website', 'hub-website') }),
    { minLength: 1, maxLength: 3 }
  ),
  professionals: fc.array(
    fc.record({
      profession: fc.constantFrom('physician', 'physician', ...PROFESSIONS),
      active: fc.constantFrom(true, true, true, false),
      claimsProfession: fc.constantFrom(true, true, true, false),
    }),
    { minLength: 1, maxLength: 3 }
  ),
  links: fc.array(
    fc.record({ p: fc.nat(9), pr: fc.nat(9), type: fc.constantFrom(...LINK_TYPES), when: fc.constantFrom('now', 'now', 'now', 'ended', 'future') }),
    { minLength: 1, maxLength: 5 }
  ),
  exclusions: fc.array(fc.record({ p: fc.nat(9), pr: fc.nat(9) }), { maxLength: 2 }),
  documents: fc.array(
    fc.record({
      p: fc.nat(9),
      author: fc.option(fc.nat(9), { nil: undefined }),
      cls: fc.constantFrom(...CLASSES),
      label: fc.constantFrom('N', 'N', 'R', 'V'),
      eie: fc.constantFrom(false, false, false, true),
      rule: fc.constantFrom('immediate', ...RULES),
      releaseDays: fc.integer({ min: -10, max: 10 }),
    }),
    { minLength: 1, maxLength: 8 }
  ),
  restrictions: fc.array(
    fc.record({
      d: fc.nat(9),
      pr: fc.option(fc.nat(9), { nil: undefined }),
      when: fc.constantFrom<Period>('always', 'always', 'now', 'ended', 'future'),
    }),
    { maxLength: 2 }
  ),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;
type Period = 'always' | 'now' | 'ended' | 'future';
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString();
const PERIODS: Record<Period, { start: string; end: string } | undefined> = {
  always: undefined,
  now: { start: days(-5), end: days(5) },
  ended: { start: days(-30), end: days(-1) },
  future: { start: days(1), end: days(30) },
};

/** The world's own answer, independent of the sidecar: documents a restriction without actor hides now. */
function authorOnlyNow(w: World, docIds: string[]): Set<string> {
  return new Set(w.restrictions.filter((rs) => rs.pr === undefined && (rs.when === 'always' || rs.when === 'now')).map((rs) => docIds[rs.d % docIds.length]));
}

function systemRepo(): HubRepository {
  return t.hub.openRepository(systemPolicy({ sub: 'seed', role: 'hub-admin', scopes: [] }), NOW);
}

async function build(
  w: World
): Promise<{ practitioners: Principal[]; patients: Principal[]; docIds: string[]; recordIds: Record<'CareTeam' | 'Consent', string[]> }> {
  const r = ++run;
  const repo = systemRepo();
  const put = (res: Record<string, unknown>) => repo.updateResource(res as unknown as Resource & { id: string });
  const pid = (i: number) => `r${r}-patient-${i % w.patients.length}`;
  const prid = (i: number) => `r${r}-pro-${i % w.professionals.length}`;
  const patients: Principal[] = [];
  for (const [i, p] of w.patients.entries()) {
    const ssin = makeSsin(`19${String(10 + (r % 80)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9}`, ((r * 7 + i) % 997) + 1);
    await put({
      resourceType: 'Patient',
      id: pid(i),
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin', value: ssin }],
    });
    patients.push({ sub: pid(i), role: 'patient', ssin, scopes: ['patient/*.rs'] });
    if (p.consent !== 'none') {
      await put({
        resourceType: 'Consent',
        id: `${pid(i)}-consent`,
        status: p.consent === 'active' ? 'active' : 'inactive',
        scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
        category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: 'hub-sharing' }] }],
        patient: { reference: `Patient/${pid(i)}` },
        policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
        extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: p.channel }],
        provision: { type: 'permit', period: { start: days(-100), ...(p.consent === 'revoked' ? { end: days(-1) } : {}) } },
      });
    }
  }
  const practitioners: Principal[] = [];
  for (const [i, pro] of w.professionals.entries()) {
    const nihii = String(10_000_000_000 + r * 100 + i);
    await put({
      resourceType: 'Practitioner',
      id: prid(i),
      active: pro.active,
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: nihii }],
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: pro.profession }] } }],
    });
    const claimed = pro.claimsProfession ? pro.profession : PROFESSIONS[(PROFESSIONS.indexOf(pro.profession) + 1) % PROFESSIONS.length];
    practitioners.push({ sub: prid(i), role: 'practitioner', nihii, profession: claimed, scopes: ['user/*.rs'] });
  }
  for (const [i, l] of w.links.entries()) {
    const period =
      l.when === 'now' ? { start: days(-5), end: days(5) } : l.when === 'ended' ? { start: days(-30), end: days(-1) } : { start: days(1), end: days(30) };
    await put({
      resourceType: 'CareTeam',
      id: `r${r}-link-${i}`,
      status: 'active',
      category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: l.type }] }],
      subject: { reference: `Patient/${pid(l.p)}` },
      participant: [{ member: { reference: `Practitioner/${prid(l.pr)}` } }],
      period,
    });
  }
  const consentBase = (id: string, patient: string, kind: string) => ({
    resourceType: 'Consent',
    id,
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: kind }] }],
    patient: { reference: `Patient/${patient}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  });
  const actor = (pr: number) => [
    {
      role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
      reference: { reference: `Practitioner/${prid(pr)}` },
    },
  ];
  for (const [i, e] of w.exclusions.entries()) {
    await put({ ...consentBase(`r${r}-exclusion-${i}`, pid(e.p), 'exclusion'), provision: { type: 'deny', actor: actor(e.pr) } });
  }
  const docIds: string[] = [];
  for (const [i, d] of w.documents.entries()) {
    const id = `r${r}-doc-${i}`;
    docIds.push(id);
    const releaseDate = d.rule === 'delayed' || (d.rule === 'on-physician-release' && d.releaseDays < 0) ? days(d.releaseDays) : undefined;
    const body = documentFor(pid(d.p), {
      id,
      cls: d.cls,
      label: d.label as 'N',
      author: d.author === undefined ? undefined : `Practitioner/${prid(d.author)}`,
      release: { rule: d.rule, date: releaseDate },
      custodian: false,
    });
    await put({ ...body, status: d.eie ? 'entered-in-error' : 'current' });
  }
  for (const [i, rs] of w.restrictions.entries()) {
    const d = w.documents[rs.d % w.documents.length];
    await put({
      ...consentBase(`r${r}-restriction-${i}`, pid(d.p), 'document-restriction'),
      provision: {
        type: 'deny',
        ...(PERIODS[rs.when] ? { period: PERIODS[rs.when] } : {}),
        ...(rs.pr === undefined ? {} : { actor: actor(rs.pr) }),
        data: [{ meaning: 'instance', reference: { reference: `DocumentReference/${docIds[rs.d % docIds.length]}` } }],
      },
    });
  }
  const recordIds = {
    CareTeam: w.links.map((_, i) => `r${r}-link-${i}`),
    Consent: [
      ...w.patients.flatMap((p, i) => (p.consent === 'none' ? [] : [`${pid(i)}-consent`])),
      ...w.exclusions.map((_, i) => `r${r}-exclusion-${i}`),
      ...w.restrictions.map((_, i) => `r${r}-restriction-${i}`),
    ],
  };
  return { practitioners, patients, docIds, recordIds };
}

/**
 * Facts loaded for one patient (a search naming it, a read of one of its documents) give exactly
 * the full facts' answer for that patient's documents, and nothing of any other patient.
 */
async function agreesWhenScoped(principal: Principal, stored: StoredResource[], docIds: string[], permitted: string[]): Promise<void> {
  const patients = [...new Set(stored.map((d) => d.a.patient as string))];
  for (const patient of patients) {
    const policy = await t.hub.policyFor(principal, NOW, { patient });
    const facts = policy.facts;
    if (facts.kind === 'practitioner') expect(facts.links.every((l) => l.patient === patient)).toBe(true);
    const bundle = await t.hub.openRepository(policy, NOW).search({
      resourceType: 'DocumentReference',
      filters: [{ code: '_id', operator: 'eq', value: docIds.join(',') }],
      count: 100,
    });
    const searched = (bundle.entry ?? []).map((e) => e.resource?.id as string).sort();
    const expected = stored
      .filter((d) => d.a.patient === patient && permitted.includes(d._id))
      .map((d) => d._id)
      .sort();
    const decided = stored
      .filter((d) => decide(principal, 'search', { resourceType: 'DocumentReference', id: d._id, fields: d.a }, facts, NOW))
      .map((d) => d._id);
    expect({ principal: principal.sub, patient, searched, decided: decided.sort() }).toEqual({
      principal: principal.sub,
      patient,
      searched: expected,
      decided: expected,
    });
  }
  for (const doc of stored) {
    const policy = await t.hub.policyFor(principal, NOW, { resource: { type: 'DocumentReference', id: doc._id } });
    const read = await t.hub
      .openRepository(policy, NOW)
      .readResource('DocumentReference', doc._id)
      .then(
        () => true,
        () => false
      );
    expect({ principal: principal.sub, doc: doc._id, read }).toEqual({ principal: principal.sub, doc: doc._id, read: permitted.includes(doc._id) });
  }
}

/** Write and operation decisions seen by agreesOnWritesWhenScoped, so that the property cannot pass vacuously. */
const writesSeen = { allowed: 0, refused: 0 };
const operationsSeen = { allowed: 0, refused: 0 };

/**
 * Writes scoped to one patient (a create or an update whose body names it, request-patient.ts):
 * facts loaded for that patient give the full facts' write decision for every write of that
 * patient's documents (created as the caller, as another author, updated in place), and never
 * allow moving a document to another patient (such an update is given the full facts). Deletes
 * and the document operations ($release, $request-deletion, $publish-sumehr) of that patient's
 * documents are decided alike too (patches are updates: covered above).
 */
async function agreesOnWritesWhenScoped(principal: Principal, stored: StoredResource[], records: StoredResource[]): Promise<void> {
  const writer: Principal = { ...principal, scopes: ['user/*.cruds'] };
  const full = await t.hub.policyFor(writer, NOW);
  const self = `Practitioner/${principal.sub}`;
  const patients = [...new Set(stored.map((d) => d.a.patient as string))];
  for (const patient of patients) {
    const scoped = await t.hub.policyFor(writer, NOW, { patient });
    const changes: { interaction: 'create' | 'update'; next: StoredResource['a']; previous?: StoredResource['a'] }[] = [];
    for (const doc of stored.filter((d) => d.a.patient === patient)) {
      changes.push({ interaction: 'create', next: { ...doc.a, authors: [self] } });
      changes.push({ interaction: 'create', next: doc.a });
      changes.push({ interaction: 'update', next: doc.a, previous: doc.a });
      changes.push({ interaction: 'update', next: { ...doc.a, label: 'V' }, previous: { ...doc.a, authors: [self] } });
    }
    // Links and consents of that patient: created as they are, as the caller's own, updated in place.
    const recordChanges: { type: string; interaction: 'create' | 'update'; next: StoredResource['a']; previous?: StoredResource['a'] }[] = [];
    for (const record of records.filter((d) => d.a.patient === patient)) {
      const type = record.r.resourceType;
      recordChanges.push({ type, interaction: 'create', next: record.a });
      recordChanges.push({ type, interaction: 'create', next: { ...record.a, members: [self] } });
      recordChanges.push({ type, interaction: 'update', next: record.a, previous: record.a });
      recordChanges.push({ type, interaction: 'update', next: { ...record.a, members: [self] }, previous: { ...record.a, members: [self] } });
    }
    for (const { type, interaction, next, previous } of [...changes.map((c) => ({ type: 'DocumentReference', ...c })), ...recordChanges]) {
      const asFull = full.mayWrite(type, interaction, { next, previous });
      const asScoped = scoped.mayWrite(type, interaction, { next, previous });
      expect({ principal: principal.sub, patient, type, interaction, next, asScoped }).toEqual({
        principal: principal.sub,
        patient,
        type,
        interaction,
        next,
        asScoped: asFull,
      });
      if (asFull.allowed) writesSeen.allowed++;
      else writesSeen.refused++;
    }
    // Deletes and the document operations (SPEC §4): the same answer from that patient's facts as from all of them.
    for (const doc of stored.filter((d) => d.a.patient === patient)) {
      const own = { ...doc.a, authors: [self] };
      const decisions: [string, (p: typeof full) => { allowed: boolean }][] = [
        ['delete', (p) => p.mayWrite('DocumentReference', 'delete', { previous: doc.a })],
        ['delete own', (p) => p.mayWrite('DocumentReference', 'delete', { previous: own })],
        ['release', (p) => p.mayOperate('release', { type: 'DocumentReference', fields: doc.a })],
        ['request-deletion', (p) => p.mayOperate('request-deletion', { type: 'DocumentReference', fields: doc.a })],
        ['request-deletion own', (p) => p.mayOperate('request-deletion', { type: 'DocumentReference', fields: own })],
        ['publish-sumehr', (p) => p.mayOperate('publish-sumehr', { type: 'Composition', fields: { patient, authors: [self] } })],
      ];
      for (const [what, decision] of decisions) {
        const asFull = decision(full);
        expect({ principal: principal.sub, patient, doc: doc._id, what, asScoped: decision(scoped) }).toEqual({
          principal: principal.sub,
          patient,
          doc: doc._id,
          what,
          asScoped: asFull,
        });
        if (asFull.allowed) operationsSeen.allowed++;
        else operationsSeen.refused++;
      }
    }
    // Another patient's document under these facts: refused, even for its author (whose links with
    // that patient were not loaded), and so is a move to another patient.
    for (const doc of stored.filter((d) => d.a.patient !== patient)) {
      const own = { ...doc.a, authors: [self] };
      const inPlace = scoped.mayWrite('DocumentReference', 'update', { next: own, previous: own });
      expect({ principal: principal.sub, scopedTo: patient, doc: doc._id, allowed: inPlace.allowed }).toEqual({
        principal: principal.sub,
        scopedTo: patient,
        doc: doc._id,
        allowed: false,
      });
    }
    for (const other of patients.filter((p) => p !== patient)) {
      const doc = stored.find((d) => d.a.patient === patient);
      const previous = { ...doc?.a, authors: [self] };
      const moved = scoped.mayWrite('DocumentReference', 'update', { next: { ...previous, patient: other }, previous });
      expect({ principal: principal.sub, from: patient, to: other, allowed: moved.allowed }).toEqual({
        principal: principal.sub,
        from: patient,
        to: other,
        allowed: false,
      });
    }
  }
}

describe('differential: scoped search = decide()', () => {
  it('agrees on random networks for every professional and patient', async () => {
    // Guard against a vacuous property: both outcomes must actually occur.
    let permittedSeen = 0;
    let deniedSeen = 0;
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const { practitioners, patients, docIds, recordIds } = await build(w);
        const stored = await t.store.readMany('DocumentReference', docIds, { always: true });
        const records = [
          ...(await t.store.readMany('CareTeam', recordIds.CareTeam, { always: true })),
          ...(await t.store.readMany('Consent', recordIds.Consent, { always: true })),
        ];
        // The restrictions' maintenance, against the world: the author-only window holds exactly where a restriction without actor is in force.
        const hiddenNow = stored.filter(
          (d) => d.a.authorOnlyFrom instanceof Date && (d.a.authorOnlyFrom as Date) <= NOW && NOW <= (d.a.authorOnlyUntil as Date)
        );
        expect(hiddenNow.map((d) => d._id).sort()).toEqual([...authorOnlyNow(w, docIds)].sort());
        for (const principal of [...practitioners, ...patients]) {
          const policy = await t.hub.policyFor(principal, NOW);
          const repo = t.hub.openRepository(policy, NOW);
          const bundle = await repo.search({
            resourceType: 'DocumentReference',
            filters: [{ code: '_id', operator: 'eq', value: docIds.join(',') }],
            count: 100,
          });
          const searched = (bundle.entry ?? []).map((e) => e.resource?.id as string).sort();
          const permitted = stored
            .filter((doc) => decide(principal, 'search', { resourceType: 'DocumentReference', id: doc._id, fields: doc.a }, policy.facts, NOW))
            .map((doc) => doc._id)
            .sort();
          expect({ principal: principal.sub, ids: searched }).toEqual({ principal: principal.sub, ids: permitted });
          expect(bundle.total).toBe(permitted.length);
          // Reads by id take another path (a lone-_id fetch, then the condition in memory): same answer.
          const readable: string[] = [];
          for (const id of docIds) {
            if (
              await repo.readResource('DocumentReference', id).then(
                () => true,
                () => false
              )
            )
              readable.push(id);
          }
          expect({ principal: principal.sub, readable: readable.sort() }).toEqual({ principal: principal.sub, readable: permitted });
          if (principal.role === 'practitioner') {
            await agreesWhenScoped(principal, stored, docIds, permitted);
            await agreesOnWritesWhenScoped(principal, stored, records);
          }
          permittedSeen += permitted.length;
          deniedSeen += stored.length - permitted.length;
        }
      }),
      { numRuns: 12 }
    );
    expect(permittedSeen).toBeGreaterThan(0);
    expect(deniedSeen).toBeGreaterThan(0);
    expect(writesSeen.allowed).toBeGreaterThan(0);
    expect(writesSeen.refused).toBeGreaterThan(0);
    expect(operationsSeen.allowed).toBeGreaterThan(0);
    expect(operationsSeen.refused).toBeGreaterThan(0);
  }, 240_000);
});
