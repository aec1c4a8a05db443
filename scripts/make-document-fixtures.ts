/**
 * Writes the documents published into the demo network (fixtures/documents.json): a transaction
 * of PUTs loaded after fixtures/network.json. Hospital letters, lab results, a psychiatric note,
 * a radiology report, documents delayed, never released and awaiting physician release,
 * restricted ones (R, V, a document-restriction consent), a document kept in the hub's safe
 * (Binary), and SUMEHRs (current and superseded) with their section entries.
 * Every document carries its date, so loading does not depend on the clock.
 * Run: npx ts-node --transpile-only scripts/make-document-fixtures.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Binary, Bundle, Composition, Consent, DocumentReference, Extension, Reference, Resource } from '@medplum/fhirtypes';
import { SH } from '../src/vocabulary';

const LOINC = 'http://loinc.org';
const REFERENCE_DATE = '2026-11-23T09:00:00Z';
const OUT = path.resolve(__dirname, '../fixtures/documents.json');

// Untyped on purpose: one helper for references to every kind of target.
const ref = (reference: string): Reference<any> => ({ reference });
const coding = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
const release = (rule: string, releaseDate?: string): Extension => ({
  url: `${SH}/StructureDefinition/release-rule`,
  extension: [{ url: 'rule', valueCode: rule }, ...(releaseDate ? [{ url: 'releaseDate', valueDateTime: releaseDate }] : [])],
});

/** Each custodian's registered document source (its Endpoint in scripts/make-fixtures.ts): content URLs lie below it. */
const SOURCES: Record<string, string> = {
  'org-hopital-du-parc': 'https://dms.hopital-du-parc.example/documents',
  'org-ziekenhuis-zuid': 'https://epd.ziekenhuis-zuid.example/documenten',
};

interface DocumentSpec {
  id: string;
  patient: string;
  cls: string;
  loinc: string;
  display: string;
  author: string;
  custodian?: string;
  date: string;
  label?: 'N' | 'R' | 'V';
  rule?: string;
  releaseDate?: string;
  url?: string;
  contentType?: string;
  description: string;
}

function documentReference(d: DocumentSpec): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id: d.id,
    status: 'current',
    ...(d.rule ? { extension: [release(d.rule, d.releaseDate)] } : {}),
    type: coding(LOINC, d.loinc, d.display),
    category: [coding(`${SH}/CodeSystem/document-class`, d.cls)],
    subject: ref(`Patient/${d.patient}`),
    date: d.date,
    author: [ref(d.author)],
    ...(d.custodian ? { custodian: ref(`Organization/${d.custodian}`) } : {}),
    description: d.description,
    ...(d.label ? { securityLabel: [coding('http://terminology.hl7.org/CodeSystem/v3-Confidentiality', d.label)] } : {}),
    content: [
      {
        attachment: {
          contentType: d.contentType ?? 'application/pdf',
          url: d.url ?? `${SOURCES[d.custodian ?? '']}/${d.id}.pdf`,
          title: d.description,
        },
      },
    ],
  };
}

const PARC = 'org-hopital-du-parc';
const ZUID = 'org-ziekenhuis-zuid';
const ANNA = 'Practitioner/gp-anna-peeters';
const THOMAS = 'Practitioner/gp-thomas-lambert';
const SARAH = 'Practitioner/physician-sarah-maes';
const KOEN = 'Practitioner/physician-koen-wouters';

const DOCUMENTS: DocumentSpec[] = [
  // Marie Dubois: portal open; GP Anna Peeters, nurse Els Goossens (referral).
  {
    id: 'doc-marie-discharge-letter',
    patient: 'patient-marie-dubois',
    cls: 'discharge-letter',
    loinc: '18842-5',
    display: 'Discharge summary',
    author: SARAH,
    custodian: PARC,
    date: '2026-11-02T16:00:00Z',
    rule: 'immediate',
    description: 'Discharge letter after a short stay at Hôpital du Parc',
  },
  {
    id: 'doc-marie-lab-2026-10',
    patient: 'patient-marie-dubois',
    cls: 'lab-result',
    loinc: '11502-2',
    display: 'Laboratory report',
    author: SARAH,
    custodian: PARC,
    date: '2026-10-05T08:30:00Z',
    description: 'Blood tests (released to the patient 7 days after, by the hospital default)',
  },
  {
    id: 'doc-marie-lab-2026-11',
    patient: 'patient-marie-dubois',
    cls: 'lab-result',
    loinc: '11502-2',
    display: 'Laboratory report',
    author: SARAH,
    custodian: PARC,
    date: '2026-11-20T10:00:00Z',
    description: 'Blood tests: delayed, the patient sees them from 2026-11-27 (hospital default 7 days)',
  },
  {
    id: 'doc-marie-radiology-report',
    patient: 'patient-marie-dubois',
    cls: 'imaging-report',
    loinc: '18748-4',
    display: 'Diagnostic imaging study',
    author: KOEN,
    custodian: ZUID,
    date: '2026-11-21T11:00:00Z',
    rule: 'on-physician-release',
    description: 'Chest CT report, awaiting release by the attending physician',
  },
  {
    id: 'doc-marie-psychiatric-note',
    patient: 'patient-marie-dubois',
    cls: 'psychiatric',
    loinc: '11488-4',
    display: 'Consult note',
    author: KOEN,
    custodian: ZUID,
    date: '2026-09-14T14:00:00Z',
    label: 'R',
    rule: 'never',
    description: 'Psychiatric consultation note: restricted (author and GP), never released to the patient',
  },
  {
    id: 'doc-marie-gp-note-v',
    patient: 'patient-marie-dubois',
    cls: 'consultation-note',
    loinc: '11506-3',
    display: 'Progress note',
    author: ANNA,
    date: '2026-10-20T09:15:00Z',
    label: 'V',
    rule: 'never',
    url: 'Binary/binary-marie-gp-note-v',
    contentType: 'text/plain',
    description: 'Very restricted GP note (author only), kept in the hub safe',
  },
  {
    id: 'doc-marie-lab-hidden-from-nurse',
    patient: 'patient-marie-dubois',
    cls: 'lab-result',
    loinc: '11502-2',
    display: 'Laboratory report',
    author: SARAH,
    custodian: PARC,
    date: '2026-08-12T08:00:00Z',
    rule: 'immediate',
    description: 'Lab result Marie hid from nurse Els Goossens (document-restriction consent)',
  },
  // Sofia Rossi: portal open; admitted at Ziekenhuis Zuid (institution link), pharmacist Ahmed Benali.
  {
    id: 'doc-sofia-discharge-letter',
    patient: 'patient-sofia-rossi',
    cls: 'discharge-letter',
    loinc: '18842-5',
    display: 'Discharge summary',
    author: KOEN,
    custodian: ZUID,
    date: '2026-11-18T15:00:00Z',
    description: 'Discharge letter: no rule and no hospital default, so 7 days (2026-11-25)',
  },
  {
    id: 'doc-sofia-lab-never',
    patient: 'patient-sofia-rossi',
    cls: 'lab-result',
    loinc: '11502-2',
    display: 'Laboratory report',
    author: KOEN,
    custodian: ZUID,
    date: '2026-11-12T07:45:00Z',
    rule: 'never',
    description: 'Genetic test result, never released to the patient',
  },
  {
    id: 'doc-sofia-delayed-radiology',
    patient: 'patient-sofia-rossi',
    cls: 'imaging-report',
    loinc: '18748-4',
    display: 'Diagnostic imaging study',
    author: KOEN,
    custodian: ZUID,
    date: '2026-11-15T10:00:00Z',
    rule: 'delayed',
    releaseDate: '2026-12-01T00:00:00Z',
    description: 'X-ray report, released to the patient on 2026-12-01',
  },
  // Luc Martin: GP Thomas Lambert; excluded Dr Sarah Maes; no portal.
  {
    id: 'doc-luc-lab',
    patient: 'patient-luc-martin',
    cls: 'lab-result',
    loinc: '11502-2',
    display: 'Laboratory report',
    author: SARAH,
    custodian: PARC,
    date: '2026-07-01T09:00:00Z',
    rule: 'immediate',
    description: 'Lab result from before Luc excluded Dr Maes: she still cannot see it',
  },
];

const binaries: Binary[] = [
  {
    resourceType: 'Binary',
    id: 'binary-marie-gp-note-v',
    contentType: 'text/plain',
    securityContext: ref('DocumentReference/doc-marie-gp-note-v'),
    data: Buffer.from('Patient worried about work situation; follow-up in two weeks.\n').toString('base64'),
  },
];

const consents: Consent[] = [
  {
    resourceType: 'Consent',
    id: 'consent-marie-dubois-restriction-lab-els',
    status: 'active',
    scope: coding('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy'),
    category: [coding(`${SH}/CodeSystem/consent-kind`, 'document-restriction')],
    patient: ref('Patient/patient-marie-dubois'),
    dateTime: '2026-11-01T18:00:00Z',
    performer: [ref('Patient/patient-marie-dubois')],
    policyRule: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'OPTOUT'),
    provision: {
      type: 'deny',
      period: { start: '2026-11-01T18:00:00Z' },
      actor: [{ role: coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'IRCP'), reference: ref('Practitioner/nurse-els-goossens') }],
      data: [{ meaning: 'instance', reference: ref('DocumentReference/doc-marie-lab-hidden-from-nurse') }],
    },
  },
];

// ---- SUMEHRs: Composition + section entries + DocumentReference, as $publish-sumehr stores them.
interface SumehrSpec {
  key: string;
  patient: string;
  author: string;
  date: string;
  status: 'current' | 'superseded';
  replaces?: string;
  problems: string[];
  allergies?: string[];
  treatments?: string[];
  vaccinations?: string[];
}

function sumehr(s: SumehrSpec): Resource[] {
  const subject = ref(`Patient/${s.patient}`);
  const entries: Resource[] = [
    ...s.problems.map((text, i): Resource => ({
      resourceType: 'Condition',
      id: `${s.key}-problem-${i + 1}`,
      subject,
      code: { text },
      clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    })),
    ...(s.allergies ?? []).map((text, i): Resource => ({
      resourceType: 'AllergyIntolerance',
      id: `${s.key}-allergy-${i + 1}`,
      patient: subject,
      code: { text },
      clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active'),
    })),
    ...(s.treatments ?? []).map((text, i): Resource => ({
      resourceType: 'MedicationStatement',
      id: `${s.key}-treatment-${i + 1}`,
      status: 'active',
      subject,
      medicationCodeableConcept: { text },
    })),
    ...(s.vaccinations ?? []).map((text, i): Resource => ({
      resourceType: 'Immunization',
      id: `${s.key}-vaccination-${i + 1}`,
      status: 'completed',
      patient: subject,
      vaccineCode: { text },
      occurrenceDateTime: '2025-10-15',
    })),
  ];
  const section = (code: string, title: string, type: string) => {
    const listed = entries.filter((e) => e.resourceType === type && (type !== 'Condition' || code === '11450-4'));
    // An item the GP left empty is simply absent ($sumehr-quality warns about it).
    return listed.length ? [{ title, code: coding(LOINC, code), entry: listed.map((e) => ref(`${e.resourceType}/${e.id}`)) }] : [];
  };
  const composition: Composition = {
    resourceType: 'Composition',
    id: `${s.key}-composition`,
    status: 'final',
    type: coding(LOINC, '60591-5', 'Patient summary Document'),
    subject,
    date: s.date,
    author: [ref(s.author)],
    title: 'SUMEHR',
    ...(s.replaces ? { relatesTo: [{ code: 'replaces', targetReference: ref(`Composition/${s.replaces}-composition`) }] } : {}),
    section: [
      ...section('11450-4', 'Current problems', 'Condition'),
      ...section('48765-2', 'Allergies', 'AllergyIntolerance'),
      ...section('10160-0', 'Active treatments', 'MedicationStatement'),
      ...section('11369-6', 'Vaccinations', 'Immunization'),
    ],
  };
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    id: `${s.key}-document`,
    status: s.status,
    // The GP's global setting decides (Dr Lambert: never); the hub copies it onto the reference.
    extension: [release(s.author === THOMAS ? 'never' : 'immediate')],
    type: coding(LOINC, '60591-5', 'Patient summary Document'),
    category: [coding(`${SH}/CodeSystem/document-class`, 'summary')],
    subject,
    date: s.date,
    author: [ref(s.author)],
    ...(s.replaces ? { relatesTo: [{ code: 'replaces', target: ref(`DocumentReference/${s.replaces}-document`) }] } : {}),
    content: [{ attachment: { contentType: 'application/fhir+json', url: `Composition/${composition.id}`, title: 'SUMEHR' } }],
  };
  return [...entries, composition, doc];
}

const sumehrs: Resource[] = [
  ...sumehr({
    key: 'sumehr-marie-2026-05',
    patient: 'patient-marie-dubois',
    author: ANNA,
    date: '2026-05-10T10:00:00Z',
    status: 'superseded',
    problems: ['Asthma'],
  }),
  ...sumehr({
    key: 'sumehr-marie-2026-11',
    patient: 'patient-marie-dubois',
    author: ANNA,
    date: '2026-11-15T10:00:00Z',
    status: 'current',
    replaces: 'sumehr-marie-2026-05',
    problems: ['Asthma', 'Iron deficiency anaemia'],
    allergies: ['Penicillin'],
    treatments: ['Salbutamol inhaler as needed'],
    vaccinations: ['Influenza 2025-2026'],
  }),
  ...sumehr({
    key: 'sumehr-luc-2026-09',
    patient: 'patient-luc-martin',
    author: THOMAS,
    date: '2026-09-01T09:00:00Z',
    status: 'current',
    problems: ['Hypertension'],
    treatments: ['Amlodipine 5 mg'],
  }),
];

const all: Resource[] = [...DOCUMENTS.map(documentReference), ...binaries, ...consents, ...sumehrs];
const bundle: Bundle = {
  resourceType: 'Bundle',
  id: 'sharehub-demo-documents',
  type: 'transaction',
  timestamp: REFERENCE_DATE,
  entry: all.map((resource) => ({
    fullUrl: `${SH}/${resource.resourceType}/${resource.id}`,
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  })),
};
fs.writeFileSync(OUT, JSON.stringify(bundle, null, 2) + '\n');
