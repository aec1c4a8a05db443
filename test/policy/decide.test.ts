import { DISTANT_FUTURE, DISTANT_PAST } from '../../src/fhir/search-values';
import type { AccessFields } from '../../src/policy/access-fields';
import { decide, type ResourceUnderDecision } from '../../src/policy/decide';
import type { Facts, PatientFacts, PractitionerFacts } from '../../src/policy/facts';
import type { Principal } from '../../src/policy/principal';

const NOW = new Date('2026-11-23T12:00:00Z');
const P = 'Patient/x';
const ME = 'Practitioner/me';

const doctor: Principal = { sub: 'me', role: 'practitioner', nihii: '10000000001', profession: 'physician', scopes: ['user/*.rs'] };
const nurse: Principal = { ...doctor, profession: 'nurse' };
const patient: Principal = { sub: 'x', role: 'patient', ssin: '84031212638', scopes: ['patient/*.rs'] };
const admin: Principal = { sub: 'a', role: 'hub-admin', scopes: ['system/*.cruds'] };

function practitionerFacts(overrides: Partial<PractitionerFacts> = {}): PractitionerFacts {
  return {
    kind: 'practitioner',
    self: ME,
    eligible: true,
    profession: 'physician',
    links: [{ patient: P, type: 'gp-long-term' }],
    consented: new Set([P]),
    excludedBy: new Set(),
    hiddenAlways: new Set(),
    ...overrides,
  };
}
const patientFacts = (overrides: Partial<PatientFacts> = {}): PatientFacts => ({
  kind: 'patient',
  self: P,
  records: new Set([P]),
  portal: new Set([P]),
  ...overrides,
});

function doc(fields: Partial<AccessFields> = {}, id = 'd1'): ResourceUnderDecision {
  return {
    resourceType: 'DocumentReference',
    id,
    fields: {
      patient: P,
      clinical: true,
      authors: ['Practitioner/other'],
      class: 'lab-result',
      label: 'N',
      current: true,
      releaseAt: DISTANT_PAST,
      consentFrom: DISTANT_PAST,
      consentUntil: DISTANT_FUTURE,
      authorOnlyFrom: DISTANT_PAST,
      authorOnlyUntil: DISTANT_PAST,
      document: `DocumentReference/${id}`,
      ...fields,
    },
  };
}
const see = (principal: Principal, r: ResourceUnderDecision, facts: Facts) => decide(principal, 'read', r, facts, NOW);

describe('decide: professionals, rule by rule (SPEC §5)', () => {
  it.each<[string, Principal, ResourceUnderDecision, Facts, boolean]>([
    ['all rules hold', doctor, doc(), practitionerFacts(), true],
    ['rule 1: not eligible (inactive, unregistered or wrong profession)', doctor, doc(), practitionerFacts({ eligible: false }), false],
    ['rule 1: no Practitioner for the NIHII', doctor, doc(), practitionerFacts({ self: undefined }), false],
    ['rule 2: no active consent (facts)', doctor, doc(), practitionerFacts({ consented: new Set() }), false],
    ['rule 2: no active consent (sidecar)', doctor, doc({ consentFrom: DISTANT_PAST, consentUntil: DISTANT_PAST }), practitionerFacts(), false],
    [
      'rule 2: consent period ended a millisecond ago, author path',
      doctor,
      doc({ authors: [ME], consentUntil: new Date(NOW.getTime() - 1) }),
      practitionerFacts({ links: [] }),
      false,
    ],
    ['rule 2: consent period starts tomorrow', doctor, doc({ consentFrom: new Date('2026-11-24T00:00:00Z') }), practitionerFacts(), false],
    ['rule 3: excluded', doctor, doc(), practitionerFacts({ excludedBy: new Set([P]) }), false],
    [
      'rule 3: excluded even as author and with an emergency link',
      doctor,
      doc({ authors: [ME] }),
      practitionerFacts({ excludedBy: new Set([P]), links: [{ patient: P, type: 'emergency' }] }),
      false,
    ],
    ['rule 4: no link, not the author', doctor, doc(), practitionerFacts({ links: [] }), false],
    ['rule 4: no link but the author', doctor, doc({ authors: [ME] }), practitionerFacts({ links: [], consented: new Set() }), true],
    ['rule 4: a link to another patient', doctor, doc(), practitionerFacts({ links: [{ patient: 'Patient/y', type: 'gp-long-term' }] }), false],
    ['rule 5: nurse and a consultation note', nurse, doc({ class: 'consultation-note' }), practitionerFacts({ profession: 'nurse' }), false],
    ['rule 5: nurse and a lab result', nurse, doc(), practitionerFacts({ profession: 'nurse' }), true],
    ['rule 5: unknown profession', doctor, doc(), practitionerFacts({ profession: 'astrologer' }), false],
    ['rule 5: unknown class', doctor, doc({ class: 'gossip' }), practitionerFacts(), false],
    ['rule 6: restricted from me', doctor, doc(), practitionerFacts({ hiddenAlways: new Set(['DocumentReference/d1']) }), false],
    ['rule 6: restricted from all but the author, I am not', doctor, doc({ authorOnlyUntil: DISTANT_FUTURE }), practitionerFacts(), false],
    ['rule 6: restricted from all but the author, I am', doctor, doc({ authorOnlyUntil: DISTANT_FUTURE, authors: [ME] }), practitionerFacts(), true],
    ['rule 6: restriction without actor ended a millisecond ago', doctor, doc({ authorOnlyUntil: new Date(NOW.getTime() - 1) }), practitionerFacts(), true],
    ['rule 6: restriction without actor ends now', doctor, doc({ authorOnlyUntil: NOW }), practitionerFacts(), false],
    [
      'rule 6: restriction without actor starts tomorrow',
      doctor,
      doc({ authorOnlyFrom: new Date('2026-11-24T00:00:00Z'), authorOnlyUntil: DISTANT_FUTURE }),
      practitionerFacts(),
      true,
    ],
    [
      'rule 6: a sidecar without the author-only window counts as restricted (fail closed)',
      doctor,
      doc({ authorOnlyFrom: undefined, authorOnlyUntil: undefined }),
      practitionerFacts(),
      false,
    ],
    ['rule 6: R with a GP link', doctor, doc({ label: 'R' }), practitionerFacts(), true],
    ['rule 6: R with a referral link', doctor, doc({ label: 'R' }), practitionerFacts({ links: [{ patient: P, type: 'referral' }] }), false],
    ['rule 6: R as author', doctor, doc({ label: 'R', authors: [ME] }), practitionerFacts({ links: [] }), true],
    ['rule 6: V not as author', doctor, doc({ label: 'V' }), practitionerFacts(), false],
    ['rule 6: V as author', doctor, doc({ label: 'V', authors: [ME] }), practitionerFacts(), true],
    ['rule 7: entered-in-error', doctor, doc({ current: false }), practitionerFacts(), false],
    ['rule 7: no scope', { ...doctor, scopes: [] }, doc(), practitionerFacts(), false],
    ['rule 7: scope for another type', { ...doctor, scopes: ['user/Patient.rs'] }, doc(), practitionerFacts(), false],
  ])('%s', (_name, principal, resource, facts, expected) => {
    expect(see(principal, resource, facts)).toBe(expected);
  });
});

describe('decide: patients and their grant holders', () => {
  it.each<[string, ResourceUnderDecision, Facts, boolean]>([
    ['released, portal consent', doc(), patientFacts(), true],
    ['not yet released (delayed)', doc({ releaseAt: new Date('2026-12-01T00:00:00Z') }), patientFacts(), false],
    ['released a millisecond ago', doc({ releaseAt: new Date(NOW.getTime() - 1) }), patientFacts(), true],
    ['never released', doc({ releaseAt: DISTANT_FUTURE }), patientFacts(), false],
    ['consent not through a portal channel', doc(), patientFacts({ portal: new Set() }), false],
    ["another patient's document", doc({ patient: 'Patient/y' }), patientFacts(), false],
    ['entered-in-error', doc({ current: false }), patientFacts(), false],
    ['own consents without portal', { resourceType: 'Consent', id: 'c', fields: { patient: P, kind: 'exclusion' } }, patientFacts({ portal: new Set() }), true],
    [
      "a grantor's record",
      doc({ patient: 'Patient/child' }),
      patientFacts({ records: new Set([P, 'Patient/child']), portal: new Set(['Patient/child']) }),
      true,
    ],
  ])('%s', (_name, resource, facts, expected) => {
    expect(see(patient, resource, facts)).toBe(expected);
  });
});

describe('decide: administrative roles and the rest', () => {
  it('admins read the registry and no clinical content or patient record', () => {
    const admin_ = { kind: 'administrative' } as const;
    expect(see(admin, doc(), admin_)).toBe(false);
    expect(see(admin, { resourceType: 'Patient', id: 'x', fields: { patient: P } }, admin_)).toBe(false);
    expect(see(admin, { resourceType: 'Practitioner', id: 'p', fields: {} }, admin_)).toBe(true);
  });

  it('unknown facts give nothing (fail closed)', () => {
    expect(see(doctor, doc(), { kind: 'none' })).toBe(false);
    expect(see(doctor, { resourceType: 'Practitioner', id: 'p', fields: {} }, { kind: 'none' })).toBe(false);
  });

  it('professionals see exclusions and restrictions never; other consents of linked patients yes', () => {
    const consent = (kind: string): ResourceUnderDecision => ({ resourceType: 'Consent', id: kind, fields: { patient: P, kind } });
    expect(see(doctor, consent('hub-sharing'), practitionerFacts())).toBe(true);
    expect(see(doctor, consent('exclusion'), practitionerFacts())).toBe(false);
    expect(see(doctor, consent('document-restriction'), practitionerFacts())).toBe(false);
  });
});
