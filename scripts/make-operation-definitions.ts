/**
 * Writes one OperationDefinition per operation the hub serves to profiles/ (SPEC §8: every
 * operation has a definition, served at /fhir/OperationDefinition/{id} and named in the
 * CapabilityStatement). test/http/operation-definitions.test.ts checks that this table and the
 * router agree, so an operation added without its definition fails the suite.
 * Run: npx ts-node --transpile-only scripts/make-operation-definitions.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import { SH } from '../src/vocabulary';

const VERSION = '0.1.0';
const OUT = path.resolve(__dirname, '../profiles');

type Param = [name: string, use: 'in' | 'out', min: number, max: string, type: string, documentation: string];

interface OperationSpec {
  code: string;
  title: string;
  description: string;
  resource?: OperationDefinition['resource'];
  /** Levels the operation is invoked at. */
  system?: boolean;
  type?: boolean;
  instance?: boolean;
  /** Whether it changes data (POST only) or can be called with GET. */
  affectsState: boolean;
  parameters: Param[];
  /** Parts of the parameters that have no type of their own, by parameter name. */
  parts?: Record<string, Param[]>;
}

const OPERATIONS: OperationSpec[] = [
  {
    code: 'access-matrix',
    title: 'Access matrix',
    description: 'The profession × document-class matrix the access policy applies, as loaded from profiles/access-matrix.json (SPEC §10).',
    system: true,
    affectsState: false,
    parameters: [['class', 'out', 0, '*', '', 'One document class: part `code` (the class) and one part `profession` per profession that may see it.']],
    parts: {
      class: [
        ['code', 'out', 1, '1', 'code', 'The document class (CodeSystem document-class).'],
        ['profession', 'out', 0, '*', 'code', 'A profession that may see the class (CodeSystem profession).'],
      ],
    },
  },
  {
    code: 'content',
    title: 'Document content (IHE ITI-68)',
    description:
      'Streams the content of a document the caller may see: from the hub’s safe (Binary, SUMEHR Composition) or fetched from the source system registered as an active Endpoint of the custodian. 404 when the document is invisible or the source no longer holds it; 502 when the source fails.',
    resource: ['DocumentReference'],
    instance: true,
    affectsState: false,
    parameters: [['return', 'out', 1, '1', 'Binary', 'The document’s bytes, sent as the response body with the attachment’s content type.']],
  },
  {
    code: 'release',
    title: 'Release a document to the patient',
    description:
      'The attending physician releases one document that waits for physician release (`on-physician-release`); the patient sees it from that instant. Releasing a released document answers it unchanged.',
    resource: ['DocumentReference'],
    instance: true,
    affectsState: true,
    parameters: [['return', 'out', 1, '1', 'DocumentReference', 'The released DocumentReference, with its release date.']],
  },
  {
    code: 'request-deletion',
    title: 'End a document’s referencing',
    description: 'The author or the custodian ends a document’s referencing: status `entered-in-error`, invisible to everyone, kept for the audit trail.',
    resource: ['DocumentReference'],
    instance: true,
    affectsState: true,
    parameters: [['return', 'out', 1, '1', 'OperationOutcome', 'Information that the document is withdrawn.']],
  },
  {
    code: 'publish-sumehr',
    title: 'Publish a SUMEHR',
    description:
      'A GP with a gp-long-term or gmd link publishes the patient’s summarised electronic health record: a FHIR document Bundle (Composition LOINC 60591-5 first, then its entries), stored in the hub’s safe with its DocumentReference, all or nothing. The new SUMEHR supersedes the previous one.',
    resource: ['Composition'],
    type: true,
    affectsState: true,
    parameters: [
      ['document', 'in', 1, '1', 'Bundle', 'The SUMEHR as a document Bundle (may also be sent bare as the request body).'],
      ['return', 'out', 1, '1', 'Bundle', 'The stored Composition, its entries and its DocumentReference.'],
    ],
  },
  {
    code: 'sumehr-quality',
    title: 'SUMEHR quality check',
    description:
      'One warning per quality item (contact and trusted persons, current problems, history, risks, active treatments, vaccinations, allergies) that is missing or empty, for a posted Composition or a stored one.',
    resource: ['Composition'],
    type: true,
    instance: true,
    affectsState: false,
    parameters: [
      ['composition', 'in', 0, '1', 'Composition', 'At type level: the Composition to check (may be sent bare).'],
      ['return', 'out', 1, '1', 'OperationOutcome', 'One warning per missing or empty item; information when complete.'],
    ],
  },
  {
    code: 'summary',
    title: 'Patient summary',
    description:
      'The current SUMEHR of a patient the caller may see, as a FHIR document Bundle (Composition, Patient, authors and entries), read under its DocumentReference’s policy.',
    resource: ['Patient'],
    instance: true,
    affectsState: false,
    parameters: [['return', 'out', 1, '1', 'Bundle', 'The document Bundle; 404 when there is none the caller may see.']],
  },
  {
    code: 'consent-status',
    title: 'Consent status by SSIN',
    description:
      'For an active, registered professional: whether the patient with this SSIN has an active hub-sharing consent. Answers every caller alike: an exclusion is never shown.',
    resource: ['Patient'],
    type: true,
    affectsState: false,
    parameters: [
      ['identifier', 'in', 1, '1', 'token', '`https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|<11 digits>`.'],
      ['status', 'out', 1, '1', 'code', '`active`, `revoked` or `none`.'],
      ['patient', 'out', 0, '1', 'Reference', 'The Patient, when the hub knows it.'],
      ['since', 'out', 0, '1', 'dateTime', 'Start of the active consent.'],
    ],
  },
  {
    code: 'approve',
    title: 'Approve a registration request',
    description:
      'Decides a `requested` registration Task (SPEC §6) as completed; its effects are written in the same all-or-nothing commit. Nobody decides a Task they filed or that concerns themselves.',
    resource: ['Task'],
    instance: true,
    affectsState: true,
    parameters: [
      ['reason', 'in', 0, '1', 'string', 'Recorded on the Task as its status reason.'],
      ['return', 'out', 1, '1', 'Task', 'The decided Task.'],
    ],
  },
  {
    code: 'reject',
    title: 'Reject a registration request',
    description: 'Decides a `requested` registration Task (SPEC §6) as rejected. Nobody decides a Task they filed or that concerns themselves.',
    resource: ['Task'],
    instance: true,
    affectsState: true,
    parameters: [
      ['reason', 'in', 0, '1', 'string', 'Recorded on the Task as its status reason.'],
      ['return', 'out', 1, '1', 'Task', 'The decided Task.'],
    ],
  },
  {
    code: 'accept-privacy-policy',
    title: 'Accept the hub’s privacy policy',
    description:
      'A member institution (its institution-admin) records that it accepted the hub’s privacy policy, which it needs before opening hospital-stay links or acting as guarantor.',
    resource: ['Organization'],
    instance: true,
    affectsState: true,
    parameters: [['return', 'out', 1, '1', 'Organization', 'The Organization with the acceptance recorded.']],
  },
  // The metahub's operations (SPEC §11): served only with HUB_MODE=metahub, to peer hubs (role `hub`).
  {
    code: 'register-holder',
    title: 'Register a holder of a patient\u2019s data',
    description: 'Metahub: the calling hub (from its peer token) holds data for the patient with this SSIN. Idempotent.',
    resource: ['Patient'],
    type: true,
    affectsState: true,
    parameters: [
      ['identifier', 'in', 1, '1', 'Identifier', 'The patient\u2019s SSIN (system https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin).'],
    ],
  },
  {
    code: 'holders',
    title: 'Hubs holding a patient\u2019s data',
    description: 'Metahub: the hubs that registered as holders of data for the patient, as Endpoints (identifier = hub_id, address = base URL).',
    resource: ['Patient'],
    type: true,
    affectsState: false,
    parameters: [
      ['identifier', 'in', 1, '1', 'token', '<ssin system>|<SSIN>.'],
      ['return', 'out', 1, '1', 'Bundle', 'A searchset of Endpoint, one per holding hub.'],
    ],
  },
  {
    code: 'publish',
    title: 'Publish consents, links and professionals',
    description:
      'Metahub: a hub publishes every change of its Consents (all kinds), therapeutic links (CareTeam) and Practitioners, in national form: parties named by SSIN, NIHII or CBE (Reference.identifier), meta.source = the record at the hub, meta.lastUpdated = its change. All or nothing.',
    system: true,
    affectsState: true,
    parameters: [['resource', 'in', 1, '1', 'Bundle', 'A collection Bundle of Consent, CareTeam and Practitioner in national form.']],
  },
  {
    code: 'national-access',
    title: 'National access facts of a professional',
    description:
      'Metahub: asked by a hub deciding for another hub\u2019s professional. Whether the professional is active with the profession as the vouching hub published it, its links in force at any hub, which of those patients have an active national consent (the latest hub-sharing change wins), and the patients whose exclusion names it.',
    resource: ['Practitioner'],
    type: true,
    affectsState: false,
    parameters: [
      ['nihii', 'in', 1, '1', 'string', 'The professional\u2019s NIHII.'],
      ['profession', 'in', 1, '1', 'code', 'The profession the professional acts with.'],
      ['hub', 'in', 1, '1', 'string', 'The hub_id of the hub vouching for the professional (the calling hub).'],
      ['active', 'out', 1, '1', 'boolean', 'Active with that profession in the national registry.'],
      ['name', 'out', 0, '1', 'string', 'The professional\u2019s name, for the audit trail.'],
      ['link', 'out', 0, '*', '', 'A link (or grant) in force naming the professional.'],
      ['consented', 'out', 0, '*', 'string', 'SSIN of a linked patient whose national consent is active.'],
      ['excluded', 'out', 0, '*', 'string', 'SSIN of a patient whose exclusion names the professional.'],
    ],
    parts: {
      link: [
        ['ssin', 'out', 1, '1', 'string', 'The patient\u2019s SSIN.'],
        ['type', 'out', 1, '1', 'code', 'The link type (CodeSystem link-type), or `grant`.'],
        ['source', 'out', 1, '1', 'uri', 'The record at the hub that published it.'],
      ],
    },
  },
];

function parameter([name, use, min, max, type, documentation]: Param, parts?: Record<string, Param[]>): OperationDefinitionParameter {
  const typed =
    type === 'token' ? { type: 'string' as const, searchType: 'token' as const } : type ? { type: type as OperationDefinitionParameter['type'] } : {};
  const part = parts?.[name] ? { part: parts[name].map((p) => parameter(p)) } : {};
  return { name, use, min, max, documentation, ...typed, ...part };
}

export function operationDefinition(spec: OperationSpec): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    id: spec.code,
    url: `${SH}/OperationDefinition/${spec.code}`,
    version: VERSION,
    name: spec.title
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(''),
    title: spec.title,
    status: 'active',
    kind: 'operation',
    publisher: 'sharehub',
    description: spec.description,
    affectsState: spec.affectsState,
    code: spec.code,
    ...(spec.resource ? { resource: spec.resource } : {}),
    system: !!spec.system,
    type: !!spec.type,
    instance: !!spec.instance,
    parameter: spec.parameters.map((p) => parameter(p, spec.parts)),
  };
}

if (require.main === module) {
  for (const spec of OPERATIONS) {
    const file = path.join(OUT, `OperationDefinition-${spec.code}.json`);
    fs.writeFileSync(file, `${JSON.stringify(operationDefinition(spec), null, 2)}\n`);
  }
  console.log(`wrote ${OPERATIONS.length} OperationDefinitions to profiles/`);
}
