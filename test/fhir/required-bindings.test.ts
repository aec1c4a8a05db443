import { checkRequiredBindings } from '../../src/fhir/required-bindings';
import { expandValueSet, unenumerableValueSets } from '../../src/fhir/terminology';
import { documentFor, SH } from '../support/network';

const paths = (resource: unknown): string[] => checkRequiredBindings(resource).flatMap((i) => i.expression ?? []);

describe('required bindings on code elements', () => {
  it('accepts a valid DocumentReference and refuses a status outside document-reference-status', () => {
    const doc = documentFor('patient-marie-dubois', { author: 'Practitioner/gp-anna-peeters' });
    expect(checkRequiredBindings(doc)).toEqual([]);
    const issues = checkRequiredBindings({ ...doc, status: 'not-a-status' });
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'code-invalid',
        details: expect.objectContaining({
          text: 'Value "not-a-status" is not in the required value set http://hl7.org/fhir/ValueSet/document-reference-status',
          coding: [expect.objectContaining({ code: 'value-not-in-value-set' })],
        }),
        expression: ['DocumentReference.status'],
      },
    ]);
    expect(paths({ ...doc, docStatus: 'preliminary' })).toEqual([]);
    expect(paths({ ...doc, docStatus: 'sketch' })).toEqual(['DocumentReference.docStatus']);
  });

  it('checks data-type elements wherever they appear, reporting every bad value with its index', () => {
    const patient = {
      resourceType: 'Patient',
      text: { status: 'scribbled', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      gender: 'robot',
      identifier: [
        { use: 'official', value: '1' },
        { use: 'primary', value: '2' },
      ],
      name: [
        { use: 'maiden', family: 'A' },
        { use: 'nickname', family: 'B' },
        { use: 'alias', family: 'C' },
      ],
      telecom: [
        { system: 'pigeon', value: 'x', use: 'home' },
        { system: 'phone', value: '1', use: 'garden' },
      ],
      address: [{ use: 'home', type: 'both', period: { start: '2020-01-01' } }, { type: 'cave' }],
      contact: [{ gender: 'other', telecom: [{ system: 'smoke-signal', value: 'x' }] }],
      link: [{ other: { reference: 'Patient/x' }, type: 'replaced-by' }],
    };
    expect(paths(patient).sort()).toEqual(
      [
        'Patient.text.status',
        'Patient.gender',
        'Patient.identifier[1].use',
        'Patient.name[2].use',
        'Patient.telecom[0].system',
        'Patient.telecom[1].use',
        'Patient.address[1].type',
        'Patient.contact[0].telecom[0].system',
      ].sort()
    );
  });

  it('knows nested concepts of a code system (maiden under old, corrected under amended)', () => {
    expect(paths({ resourceType: 'Patient', name: [{ use: 'maiden', family: 'A' }] })).toEqual([]);
    const observation = { resourceType: 'Observation', status: 'corrected', code: { text: 'x' } };
    expect(paths(observation)).toEqual([]);
    expect(paths({ ...observation, status: 'fixed' })).toEqual(['Observation.status']);
  });

  it('follows choice types, backbone elements and explicit concept lists (Quantity.comparator, Timing units)', () => {
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1, comparator: '=<' } };
    expect(paths(observation)).toEqual(['Observation.valueQuantity.comparator']);
    expect(paths({ ...observation, valueQuantity: { value: 1, comparator: '<=' } })).toEqual([]);
    const request = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'x' },
      subject: { reference: 'Patient/x' },
      dosageInstruction: [
        { timing: { repeat: { frequency: 1, period: 1, periodUnit: 'fortnight' } } },
        { timing: { repeat: { period: 1, periodUnit: 'wk', dayOfWeek: ['mon', 'funday'] } } },
      ],
    };
    expect(paths(request)).toEqual([
      'MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit',
      'MedicationRequest.dosageInstruction[1].timing.repeat.dayOfWeek[1]',
    ]);
  });

  it('walks contained resources and resources nested in a Bundle', () => {
    const doc = {
      ...documentFor('patient-marie-dubois'),
      contained: [
        { resourceType: 'Patient', id: 'p', gender: 'unknown' },
        { resourceType: 'Organization', id: 'o', telecom: [{ system: 'fax2' }] },
      ],
    };
    expect(paths(doc)).toEqual(['DocumentReference.contained[1].telecom[0].system']);
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }] };
    expect(paths(bundle)).toEqual(['Bundle.entry[0].resource.gender']);
    expect(paths({ ...bundle, type: 'heap', entry: [] })).toEqual(['Bundle.type']);
  });

  it('skips bindings it cannot enumerate (mime types, currencies) and says why', () => {
    const doc = documentFor('patient-marie-dubois');
    doc.content[0].attachment.contentType = 'application/x-anything-goes';
    expect(paths(doc)).toEqual([]);
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes')).toBeUndefined();
    expect(unenumerableValueSets().get('http://hl7.org/fhir/ValueSet/mimetypes')).toBe('external code system urn:ietf:bcp:13');
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/currencies')).toBeUndefined();
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/identifier-use|4.0.1')).toEqual(new Set(['usual', 'official', 'temp', 'secondary', 'old']));
  });

  it('ignores values of the wrong JSON type (left to the structural validator) without failing', () => {
    expect(paths({ resourceType: 'Patient', gender: 42, identifier: 'x', name: [null, 'y', { use: ['official'] }], text: [] })).toEqual([]);
    expect(checkRequiredBindings(null)).toEqual([]);
    expect(checkRequiredBindings({ resourceType: 'NoSuchType', status: 'x' })).toEqual([]);
  });
});

describe("required bindings of the hub's own extensions", () => {
  const consent = (extension: unknown[]) => ({ resourceType: 'Consent', status: 'active', extension });
  const CHANNEL = `${SH}/StructureDefinition/consent-channel`;

  it('checks consent-channel valueCode against ValueSet/consent-channel', () => {
    expect(paths(consent([{ url: CHANNEL, valueCode: 'hub-website' }]))).toEqual([]);
    const issues = checkRequiredBindings(consent([{ url: CHANNEL, valueCode: 'carrier-pigeon' }]));
    expect(issues.map((i) => [i.expression, i.details?.text])).toEqual([
      [['Consent.extension[0].valueCode'], `Value "carrier-pigeon" is not in the required value set ${SH}/ValueSet/consent-channel`],
    ]);
  });

  it('refuses another value type where the profile allows only a code', () => {
    expect(paths(consent([{ url: CHANNEL, valueString: 'hub-website' }]))).toEqual(['Consent.extension[0].valueString']);
  });

  it('checks sub-extensions of complex extensions by their slice url (release-rule, release-default)', () => {
    const doc = documentFor('patient-marie-dubois', { release: { rule: 'delayed', date: '2026-12-01T00:00:00Z' } });
    expect(paths(doc)).toEqual([]);
    expect(paths(documentFor('patient-marie-dubois', { release: { rule: 'whenever' } }))).toEqual(['DocumentReference.extension[0].extension[0].valueCode']);
    const org = {
      resourceType: 'Organization',
      name: 'x',
      extension: [
        {
          url: `${SH}/StructureDefinition/release-default`,
          extension: [
            { url: 'class', valueCode: 'lab-results' },
            { url: 'rule', valueCode: 'never' },
            { url: 'delayDays', valueInteger: 3 },
          ],
        },
      ],
    };
    expect(paths(org)).toEqual(['Organization.extension[0].extension[0].valueCode']);
  });

  it('checks link-proof and sumehr-patient-access, and leaves extensions of other definitions alone', () => {
    const link = { resourceType: 'CareTeam', extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'handshake' }] };
    expect(paths(link)).toEqual(['CareTeam.extension[0].valueCode']);
    const gp = { resourceType: 'Practitioner', extension: [{ url: `${SH}/StructureDefinition/sumehr-patient-access`, valueCode: 'sometimes' }] };
    expect(paths(gp)).toEqual(['Practitioner.extension[0].valueCode']);
    expect(paths({ resourceType: 'Practitioner', extension: [{ url: 'https://other.example/ext', valueCode: 'sometimes' }] })).toEqual([]);
  });
});
