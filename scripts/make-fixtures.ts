/**
 * Writes the demo network (fixtures/network.json, a transaction Bundle of PUTs so loading it twice
 * changes nothing) and the personas that log into it (fixtures/personas.json). Numbers come from
 * the generators in src/fhir/belgian-identifiers.ts, so every SSIN and CBE is valid.
 * Periods are chosen to be in force on REFERENCE_DATE (Bundle.timestamp); tests that depend on
 * "now" should use that date rather than the clock.
 * Run: npx ts-node --transpile-only scripts/make-fixtures.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  Bundle,
  CareTeam,
  Consent,
  Endpoint,
  Extension,
  HumanName,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { cbeIdentifier, makeCbe, makeSsin, nihiiOrganizationIdentifier, nihiiProfessionalIdentifier, ssinIdentifier } from '../src/fhir/belgian-identifiers';
import { SH } from '../src/vocabulary';

const REFERENCE_DATE = '2026-11-23T09:00:00Z';
const OUT = path.resolve(__dirname, '../fixtures');

const coding = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const ext = (name: string, value: Partial<Extension>): Extension => ({ url: `${SH}/StructureDefinition/${name}`, ...value });
const name = (given: string, family: string): HumanName[] => [{ use: 'official', family, given: [given] }];

/**
 * NIHII numbers shaped like the registry's (6-digit base, 2 mod-97 check digits, 3 qualification
 * digits). The hub only requires 11 digits; the qualification digits here are illustrative.
 */
function nihii(base6: string, qualification: string): string {
  return `${base6}${String(97 - (Number(base6) % 97)).padStart(2, '0')}${qualification}`;
}

// ---- Organizations ----------------------------------------------------------------------------
const LEAGUE_CBE = makeCbe('08123456');
const PARC_NIHII = nihii('710123', '000');
const ZUID_NIHII = nihii('710987', '000');
const ETANGS_NIHII = nihii('710555', '000');

/**
 * The document sources of the hospitals (SPEC §4): the hub fetches a document's content only
 * under an active Endpoint its custodian lists. scripts/make-document-fixtures.ts points the demo
 * documents below these addresses.
 */
const documentSource = (id: string, org: string, name: string, address: string): Endpoint => ({
  resourceType: 'Endpoint',
  id,
  status: 'active',
  name,
  address,
  // The hospital's document management system answers IHE ITI-68 retrievals (MHD, over FHIR REST).
  connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
  payloadType: [coding('http://terminology.hl7.org/CodeSystem/endpoint-payload-type', 'any', 'Any')],
  managingOrganization: ref('Organization', org),
});
const endpoints: Endpoint[] = [
  documentSource(
    'endpoint-hopital-du-parc-dms',
    'org-hopital-du-parc',
    'Hôpital du Parc document management system',
    'https://dms.hopital-du-parc.example/documents'
  ),
  documentSource(
    'endpoint-ziekenhuis-zuid-epd',
    'org-ziekenhuis-zuid',
    'Ziekenhuis Zuid patient record (EPD)',
    'https://epd.ziekenhuis-zuid.example/documenten'
  ),
];

const organizations: Organization[] = [
  {
    resourceType: 'Organization',
    id: 'org-brussels-gp-league',
    active: true,
    name: 'Brussels GP League',
    alias: ['Ligue des médecins généralistes de Bruxelles', 'Brusselse Huisartsenkring'],
    type: [{ text: 'Guarantor: league of general practitioners' }],
    identifier: [cbeIdentifier(LEAGUE_CBE)],
    extension: [ext('guarantor', { valueDateTime: '2019-01-01T00:00:00Z' })],
  },
  {
    resourceType: 'Organization',
    id: 'org-hopital-du-parc',
    active: true,
    name: 'Hôpital du Parc',
    type: [coding('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    identifier: [nihiiOrganizationIdentifier(PARC_NIHII), cbeIdentifier(makeCbe('04123456'))],
    endpoint: [ref('Endpoint', 'endpoint-hopital-du-parc-dms')],
    // Lab results reach the patient 7 days after publication, leaving time for the physician to explain them.
    extension: [
      ext('release-default', {
        extension: [
          { url: 'class', valueCode: 'lab-result' },
          { url: 'rule', valueCode: 'delayed' },
          { url: 'delayDays', valueInteger: 7 },
        ],
      }),
      // A member that accepted the privacy policy: its medical directorate guarantees its practitioners (SPEC §6).
      ext('hub-membership', { valueDateTime: '2020-01-01T00:00:00Z' }),
      ext('privacy-policy-accepted', { valueDateTime: '2020-01-02T00:00:00Z' }),
    ],
  },
  {
    resourceType: 'Organization',
    id: 'org-ziekenhuis-zuid',
    active: true,
    name: 'Ziekenhuis Zuid',
    type: [coding('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    identifier: [nihiiOrganizationIdentifier(ZUID_NIHII), cbeIdentifier(makeCbe('04987654'))],
    endpoint: [ref('Endpoint', 'endpoint-ziekenhuis-zuid-epd')],
    // A member that has not accepted the privacy policy yet: it cannot guarantee its users.
    extension: [ext('hub-membership', { valueDateTime: '2021-05-01T00:00:00Z' })],
  },
  {
    // In the national registry, not yet a member of the hub: its membership request is pending.
    resourceType: 'Organization',
    id: 'org-clinique-des-etangs',
    active: true,
    name: 'Clinique des Étangs',
    type: [coding('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    identifier: [nihiiOrganizationIdentifier(ETANGS_NIHII), cbeIdentifier(makeCbe('04555666'))],
  },
];

// ---- Practitioners ----------------------------------------------------------------------------
interface PractitionerSpec {
  id: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  nihii: string;
  profession: string;
  active?: boolean;
  sumehrAccess?: 'immediate' | 'never';
  organization?: string;
  specialty?: string;
  description: string;
  /** Junior doctor: acts only once accredited (SPEC §6). */
  junior?: boolean;
}
const PRACTITIONERS: PractitionerSpec[] = [
  {
    id: 'gp-anna-peeters',
    given: 'Anna',
    family: 'Peeters',
    gender: 'female',
    nihii: nihii('112345', '003'),
    profession: 'physician',
    description: 'GP; long-term link with Marie Dubois, GMD holder of Lucas Dubois',
  },
  {
    id: 'gp-thomas-lambert',
    given: 'Thomas',
    family: 'Lambert',
    gender: 'male',
    nihii: nihii('123456', '004'),
    profession: 'physician',
    sumehrAccess: 'never',
    description: 'GP who keeps SUMEHRs from patients by default; linked with Luc Martin, link with Jan Janssens ended by revocation',
  },
  {
    id: 'physician-sarah-maes',
    given: 'Sarah',
    family: 'Maes',
    gender: 'female',
    nihii: nihii('134567', '580'),
    profession: 'physician',
    organization: 'org-hopital-du-parc',
    specialty: 'Emergency medicine',
    description: 'Emergency physician at Hôpital du Parc; excluded by Luc Martin',
  },
  {
    id: 'physician-koen-wouters',
    given: 'Koen',
    family: 'Wouters',
    gender: 'male',
    nihii: nihii('145678', '730'),
    profession: 'physician',
    organization: 'org-ziekenhuis-zuid',
    specialty: 'Cardiology',
    description: 'Cardiologist at Ziekenhuis Zuid; reaches Sofia Rossi through her hospital-stay link with the hospital',
  },
  {
    id: 'nurse-els-goossens',
    given: 'Els',
    family: 'Goossens',
    gender: 'female',
    nihii: nihii('456789', '401'),
    profession: 'nurse',
    description: 'Self-employed home nurse; referral link with Marie Dubois',
  },
  {
    id: 'pharmacist-ahmed-benali',
    given: 'Ahmed',
    family: 'Benali',
    gender: 'male',
    nihii: nihii('567890', '101'),
    profession: 'pharmacist',
    description: 'Community pharmacist; pharmacist link with Sofia Rossi',
  },
  {
    id: 'junior-lisa-vermeulen',
    given: 'Lisa',
    family: 'Vermeulen',
    gender: 'female',
    nihii: nihii('178901', '000'),
    profession: 'physician',
    active: false,
    junior: true,
    description: 'Junior doctor awaiting accreditation: may not act yet; files her junior-accreditation request with the GP League',
  },
  {
    id: 'gp-nadia-haddad',
    given: 'Nadia',
    family: 'Haddad',
    gender: 'female',
    nihii: nihii('189012', '003'),
    profession: 'physician',
    active: false,
    description: 'GP in individual practice; her registration awaits the GP League',
  },
  {
    id: 'nurse-sophie-leclercq',
    given: 'Sophie',
    family: 'Leclercq',
    gender: 'female',
    nihii: nihii('467890', '401'),
    profession: 'nurse',
    active: false,
    description: 'Self-employed nurse not registered yet: registers herself, no guarantor needed',
  },
  {
    id: 'physician-marc-dupont',
    given: 'Marc',
    family: 'Dupont',
    gender: 'male',
    nihii: nihii('190123', '580'),
    profession: 'physician',
    active: false,
    description: 'New physician at Hôpital du Parc; his user authorization awaits the medical directorate',
  },
];

const practitioners: Practitioner[] = PRACTITIONERS.map((p) => ({
  resourceType: 'Practitioner',
  id: p.id,
  active: p.active ?? true,
  identifier: [nihiiProfessionalIdentifier(p.nihii)],
  name: name(p.given, p.family),
  gender: p.gender,
  qualification: [{ code: coding(`${SH}/CodeSystem/profession`, p.profession) }],
  ...(p.sumehrAccess ? { extension: [ext('sumehr-patient-access', { valueCode: p.sumehrAccess })] } : {}),
  ...(p.junior ? { extension: [ext('junior-accreditation', { extension: [{ url: 'status', valueCode: 'awaiting' }] })] } : {}),
}));

const roles: PractitionerRole[] = PRACTITIONERS.filter((p) => p.organization && p.active !== false).map((p) => ({
  resourceType: 'PractitionerRole',
  id: `role-${p.id.replace(/^physician-/, '')}-${p.organization!.replace(/^org-/, '')}`,
  active: true,
  period: { start: '2020-01-01' },
  practitioner: ref('Practitioner', p.id),
  organization: ref('Organization', p.organization!),
  specialty: [{ text: p.specialty }],
  // Break-the-glass needs an emergency or on-call duty (SPEC §4): the emergency physician holds one.
  ...(p.specialty === 'Emergency medicine' ? { code: [coding(`${SH}/CodeSystem/duty`, 'emergency')] } : {}),
}));

// ---- Patients and related persons -------------------------------------------------------------
interface PatientSpec {
  id: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  birthDate: string;
  ssin: string;
}
const PATIENTS: PatientSpec[] = [
  { id: 'patient-marie-dubois', given: 'Marie', family: 'Dubois', gender: 'female', birthDate: '1984-03-12', ssin: makeSsin('1984-03-12', 126) },
  { id: 'patient-jan-janssens', given: 'Jan', family: 'Janssens', gender: 'male', birthDate: '1958-09-27', ssin: makeSsin('1958-09-27', 37) },
  { id: 'patient-luc-martin', given: 'Luc', family: 'Martin', gender: 'male', birthDate: '1971-06-05', ssin: makeSsin('1971-06-05', 59) },
  // Not in the national register: a BIS number (month + 40, sex known).
  { id: 'patient-sofia-rossi', given: 'Sofia', family: 'Rossi', gender: 'female', birthDate: '1992-11-30', ssin: makeSsin('1992-11-30', 214, 40) },
  { id: 'patient-lucas-dubois', given: 'Lucas', family: 'Dubois', gender: 'male', birthDate: '2016-05-14', ssin: makeSsin('2016-05-14', 3) },
  { id: 'patient-pieter-claes', given: 'Pieter', family: 'Claes', gender: 'male', birthDate: '1965-01-22', ssin: makeSsin('1965-01-22', 91) },
];
const ssinOf = (id: string): string => PATIENTS.find((p) => p.id === id)!.ssin;
const PAOLO_SSIN = makeSsin('1989-04-18', 77);

const patients: Patient[] = PATIENTS.map((p) => ({
  resourceType: 'Patient',
  id: p.id,
  active: true,
  identifier: [ssinIdentifier(p.ssin)],
  name: name(p.given, p.family),
  gender: p.gender,
  birthDate: p.birthDate,
  address: [{ city: 'Brussels', country: 'BE' }],
}));

const relatedPersons: RelatedPerson[] = [
  {
    resourceType: 'RelatedPerson',
    id: 'relatedperson-paolo-rossi',
    active: true,
    patient: ref('Patient', 'patient-sofia-rossi'),
    relationship: [{ ...coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'BRO', 'brother'), text: 'Trusted person' }],
    identifier: [ssinIdentifier(PAOLO_SSIN)],
    name: name('Paolo', 'Rossi'),
    gender: 'male',
  },
  {
    resourceType: 'RelatedPerson',
    id: 'relatedperson-marie-dubois-mother-of-lucas',
    active: true,
    patient: ref('Patient', 'patient-lucas-dubois'),
    relationship: [coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'MTH', 'mother')],
    identifier: [ssinIdentifier(ssinOf('patient-marie-dubois'))],
    name: name('Marie', 'Dubois'),
    gender: 'female',
  },
];

// ---- Consents (SPEC §4, §10) ------------------------------------------------------------------
type Kind = 'hub-sharing' | 'exclusion' | 'document-restriction' | 'grant';
interface ConsentSpec {
  id: string;
  patient: string;
  kind: Kind;
  date: string;
  status?: Consent['status'];
  end?: string;
  channel?: string;
  actor?: string;
  performer?: string;
}
function consent(c: ConsentSpec): Consent {
  const permit = c.kind === 'hub-sharing' || c.kind === 'grant';
  return {
    resourceType: 'Consent',
    id: c.id,
    status: c.status ?? 'active',
    ...(c.channel ? { extension: [ext('consent-channel', { valueCode: c.channel })] } : {}),
    scope: coding('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy'),
    category: [coding(`${SH}/CodeSystem/consent-kind`, c.kind)],
    patient: ref('Patient', c.patient),
    dateTime: c.date,
    performer: [{ reference: c.performer ?? `Patient/${c.patient}` }],
    policyRule: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', permit ? 'OPTIN' : 'OPTOUT'),
    provision: {
      type: permit ? 'permit' : 'deny',
      period: { start: c.date, ...(c.end ? { end: c.end } : {}) },
      ...(c.actor
        ? { actor: [{ role: coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'IRCP'), reference: { reference: c.actor } }] }
        : {}),
    },
  };
}
const consents: Consent[] = [
  { id: 'consent-marie-dubois-hub-sharing', patient: 'patient-marie-dubois', kind: 'hub-sharing', date: '2024-05-02T10:15:00Z', channel: 'hub-website' },
  {
    id: 'consent-jan-janssens-hub-sharing',
    patient: 'patient-jan-janssens',
    kind: 'hub-sharing',
    date: '2023-02-10T09:00:00Z',
    channel: 'hub-website',
    status: 'inactive',
    end: '2026-10-01T08:30:00Z',
  },
  { id: 'consent-luc-martin-hub-sharing', patient: 'patient-luc-martin', kind: 'hub-sharing', date: '2025-01-20T14:00:00Z', channel: 'gp' },
  {
    id: 'consent-luc-martin-exclusion-sarah-maes',
    patient: 'patient-luc-martin',
    kind: 'exclusion',
    date: '2025-03-04T11:00:00Z',
    actor: 'Practitioner/physician-sarah-maes',
  },
  { id: 'consent-sofia-rossi-hub-sharing', patient: 'patient-sofia-rossi', kind: 'hub-sharing', date: '2025-09-15T16:45:00Z', channel: 'ehealth-platform' },
  {
    id: 'consent-sofia-rossi-grant-paolo-rossi',
    patient: 'patient-sofia-rossi',
    kind: 'grant',
    date: '2025-09-15T16:50:00Z',
    actor: 'RelatedPerson/relatedperson-paolo-rossi',
  },
  {
    id: 'consent-lucas-dubois-hub-sharing',
    patient: 'patient-lucas-dubois',
    kind: 'hub-sharing',
    date: '2024-05-02T10:30:00Z',
    channel: 'pdf-form',
    performer: 'RelatedPerson/relatedperson-marie-dubois-mother-of-lucas',
  },
  {
    id: 'consent-lucas-dubois-grant-mother',
    patient: 'patient-lucas-dubois',
    kind: 'grant',
    date: '2024-05-02T10:30:00Z',
    actor: 'RelatedPerson/relatedperson-marie-dubois-mother-of-lucas',
    performer: 'RelatedPerson/relatedperson-marie-dubois-mother-of-lucas',
  },
].map((c) => consent(c as ConsentSpec));

// ---- Therapeutic links (CareTeam) ------------------------------------------------------------
interface LinkSpec {
  id: string;
  patient: string;
  member: string;
  type: string;
  proof: string;
  start: string;
  end: string;
  status?: CareTeam['status'];
}
const careTeams: CareTeam[] = (
  [
    {
      id: 'link-marie-dubois-anna-peeters',
      patient: 'patient-marie-dubois',
      member: 'Practitioner/gp-anna-peeters',
      type: 'gp-long-term',
      proof: 'eid-read',
      start: '2026-03-01',
      end: '2027-05-31',
    },
    {
      id: 'link-marie-dubois-els-goossens',
      patient: 'patient-marie-dubois',
      member: 'Practitioner/nurse-els-goossens',
      type: 'referral',
      proof: 'eid-read',
      start: '2026-10-15',
      end: '2027-01-14',
    },
    // Ended when Jan revoked his consent: links are ended, never deleted.
    {
      id: 'link-jan-janssens-thomas-lambert',
      patient: 'patient-jan-janssens',
      member: 'Practitioner/gp-thomas-lambert',
      type: 'gp-long-term',
      proof: 'eid-read',
      start: '2025-12-01',
      end: '2026-10-01T08:30:00Z',
      status: 'inactive',
    },
    {
      id: 'link-luc-martin-thomas-lambert',
      patient: 'patient-luc-martin',
      member: 'Practitioner/gp-thomas-lambert',
      type: 'gp-long-term',
      proof: 'eid-read',
      start: '2026-06-01',
      end: '2027-08-31',
    },
    {
      id: 'link-sofia-rossi-ahmed-benali',
      patient: 'patient-sofia-rossi',
      member: 'Practitioner/pharmacist-ahmed-benali',
      type: 'pharmacist',
      proof: 'eid-read',
      start: '2026-09-01',
      end: '2027-11-30',
    },
    {
      id: 'link-sofia-rossi-ziekenhuis-zuid',
      patient: 'patient-sofia-rossi',
      member: 'Organization/org-ziekenhuis-zuid',
      type: 'hospital-stay',
      proof: 'hospital-admission',
      start: '2026-11-10',
      end: '2027-02-09',
    },
    {
      id: 'link-lucas-dubois-anna-peeters',
      patient: 'patient-lucas-dubois',
      member: 'Practitioner/gp-anna-peeters',
      type: 'gmd',
      proof: 'eid-read',
      start: '2026-06-01',
      end: '2027-05-31',
    },
  ] as LinkSpec[]
).map((l) => ({
  resourceType: 'CareTeam',
  id: l.id,
  status: l.status ?? 'active',
  extension: [ext('link-proof', { valueCode: l.proof })],
  category: [coding(`${SH}/CodeSystem/link-type`, l.type)],
  subject: ref('Patient', l.patient),
  period: { start: l.start, end: l.end },
  participant: [{ member: { reference: l.member } }],
}));

// ---- Registration requests (Task, SPEC §6) ---------------------------------------------------
interface TaskSpec {
  id: string;
  code: string;
  for: string;
  owner?: string;
  requester: string;
  authoredOn: string;
}
const tasks: Task[] = (
  [
    {
      id: 'task-registration-nadia-haddad',
      code: 'practitioner-registration',
      for: 'Practitioner/gp-nadia-haddad',
      owner: 'Organization/org-brussels-gp-league',
      requester: 'Practitioner/gp-nadia-haddad',
      authoredOn: '2026-11-18T14:00:00Z',
    },
    {
      id: 'task-membership-clinique-des-etangs',
      code: 'institution-membership',
      for: 'Organization/org-clinique-des-etangs',
      requester: 'Organization/org-clinique-des-etangs',
      authoredOn: '2026-11-19T10:00:00Z',
    },
    {
      id: 'task-authorization-marc-dupont',
      code: 'user-authorization',
      for: 'Practitioner/physician-marc-dupont',
      owner: 'Organization/org-hopital-du-parc',
      requester: 'Organization/org-hopital-du-parc',
      authoredOn: '2026-11-20T08:30:00Z',
    },
  ] as TaskSpec[]
).map((t) => ({
  resourceType: 'Task',
  id: t.id,
  status: 'requested',
  intent: 'order',
  code: coding(`${SH}/CodeSystem/registration`, t.code),
  authoredOn: t.authoredOn,
  for: { reference: t.for },
  ...(t.owner ? { owner: { reference: t.owner } } : {}),
  requester: { reference: t.requester },
}));

// ---- Output ----------------------------------------------------------------------------------
// Endpoints first: the Organizations that list them reference them.
const all: Resource[] = [...endpoints, ...organizations, ...practitioners, ...roles, ...patients, ...relatedPersons, ...consents, ...careTeams, ...tasks];
const network: Bundle = {
  resourceType: 'Bundle',
  id: 'sharehub-demo-network',
  type: 'transaction',
  timestamp: REFERENCE_DATE,
  entry: all.map((resource) => ({
    fullUrl: `${SH}/${resource.resourceType}/${resource.id}`,
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  })),
};

const USER_SCOPE = 'user/*.cruds';
const PATIENT_SCOPE = 'patient/*.rs patient/Consent.cu patient/CareTeam.u patient/RelatedPerson.cu';
const personas: Record<string, { description: string; resource?: string; claims: Record<string, string> }> = {
  'hub-admin': {
    description: 'Hub administrator: manages registrations and users, reads no clinical content',
    claims: { sub: 'hub-admin', role: 'hub-admin', scope: 'system/*.cruds user/*.cruds' },
  },
};
for (const p of PRACTITIONERS) {
  const org = p.organization === 'org-hopital-du-parc' ? PARC_NIHII : p.organization === 'org-ziekenhuis-zuid' ? ZUID_NIHII : undefined;
  personas[p.id] = {
    description: p.description,
    resource: `Practitioner/${p.id}`,
    claims: { sub: p.id, role: 'practitioner', nihii: p.nihii, profession: p.profession, ...(org ? { organization: org } : {}), scope: USER_SCOPE },
  };
}
const PATIENT_PERSONAS: Record<string, string> = {
  'patient-marie-dubois': 'Consent through the hub website (portal open); mother of Lucas, holding a grant for him',
  'patient-sofia-rossi': 'BIS number; consent through the eHealth platform (portal open); trusted person Paolo',
  'patient-jan-janssens': 'Revoked consent: sees only his consents, links and audit trail',
  'patient-luc-martin': 'Consent registered by his GP: no portal access; excluded Dr Sarah Maes',
  'patient-pieter-claes': 'No consent: may register one through the hub website',
};
for (const [id, description] of Object.entries(PATIENT_PERSONAS)) {
  personas[id] = { description, resource: `Patient/${id}`, claims: { sub: id, role: 'patient', ssin: ssinOf(id), scope: PATIENT_SCOPE } };
}
personas['trusted-paolo-rossi'] = {
  description: 'Trusted person of Sofia Rossi (grant): sees what she sees; logs in with his own SSIN',
  resource: 'RelatedPerson/relatedperson-paolo-rossi',
  claims: { sub: 'trusted-paolo-rossi', role: 'patient', ssin: PAOLO_SSIN, scope: PATIENT_SCOPE },
};
personas['league-admin'] = {
  description: 'Administrator of the Brussels GP League, guarantor of GP registrations',
  resource: 'Organization/org-brussels-gp-league',
  claims: { sub: 'league-admin', role: 'guarantor', organization: LEAGUE_CBE, scope: USER_SCOPE },
};
personas['parc-medical-director'] = {
  description: 'Medical directorate of Hôpital du Parc: guarantor of its hospital practitioners (privacy policy accepted)',
  resource: 'Organization/org-hopital-du-parc',
  claims: { sub: 'parc-medical-director', role: 'guarantor', organization: PARC_NIHII, scope: USER_SCOPE },
};
personas['zuid-medical-director'] = {
  description: 'Medical directorate of Ziekenhuis Zuid: not a guarantor until Zuid accepts the privacy policy',
  resource: 'Organization/org-ziekenhuis-zuid',
  claims: { sub: 'zuid-medical-director', role: 'guarantor', organization: ZUID_NIHII, scope: USER_SCOPE },
};
personas['zuid-admin'] = {
  description: 'Institution administrator of Ziekenhuis Zuid (member; privacy policy not accepted yet)',
  resource: 'Organization/org-ziekenhuis-zuid',
  claims: { sub: 'zuid-admin', role: 'institution-admin', organization: ZUID_NIHII, scope: USER_SCOPE },
};
personas['etangs-admin'] = {
  description: 'Institution administrator of Clinique des Étangs, whose membership request is pending',
  resource: 'Organization/org-clinique-des-etangs',
  claims: { sub: 'etangs-admin', role: 'institution-admin', organization: ETANGS_NIHII, scope: USER_SCOPE },
};
personas['hopital-du-parc-admin'] = {
  description: 'Institution administrator of Hôpital du Parc: users and release defaults',
  resource: 'Organization/org-hopital-du-parc',
  claims: { sub: 'hopital-du-parc-admin', role: 'institution-admin', organization: PARC_NIHII, scope: USER_SCOPE },
};

fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'network.json'), JSON.stringify(network, null, 2) + '\n');
fs.writeFileSync(path.join(OUT, 'personas.json'), JSON.stringify({ referenceDate: REFERENCE_DATE, personas }, null, 2) + '\n');
