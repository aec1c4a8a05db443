/**
 * The soak's mixed load: what the demo personas really do all day (SPEC §4, §7, §8), plus a share
 * of requests the hub must refuse. Every request names the answers it expects, so a refusal that
 * starts succeeding (or the reverse) shows up in the summary, not only the 5xx.
 */
import { randomUUID } from 'node:crypto';

const SH = 'https://sharehub.example/fhir';
const LOINC = 'http://loinc.org';
const MARIE = 'patient-marie-dubois';
const ANNA = 'gp-anna-peeters';

export interface SoakRequest {
  kind: string;
  persona: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body, or a raw string sent as is (malformed input). */
  body?: unknown;
  expected: readonly number[];
}

/** What the soak learned while running: documents it may read and open. */
export interface SoakState {
  /** Documents Anna published during the run (ids), kept bounded. */
  created: string[];
  /** Those of them kept in the hub's safe (published with their Binary). */
  inSafe: string[];
  /** How many Anna published in all. */
  published: number;
}

const MAX_REMEMBERED = 500;

/** Readable by their persona in the demo network (fixtures/documents.json). */
const FIXTURE_READS: readonly [string, string][] = [
  [ANNA, 'doc-marie-lab-2026-11'],
  [ANNA, 'doc-marie-discharge-letter'],
  [MARIE, 'doc-marie-lab-2026-10'],
  ['gp-thomas-lambert', 'doc-luc-lab'],
];

/** Searches shaped like IHE ITI-67: patient and status, as a professional or the patient. */
const SEARCHES: readonly [string, string][] = [
  [ANNA, MARIE],
  [MARIE, MARIE],
  ['gp-thomas-lambert', 'patient-luc-martin'],
  ['patient-sofia-rossi', 'patient-sofia-rossi'],
];

/** The demo document in the hub's safe: a very restricted note only its author opens. */
const SAFE_NOTE: [string, string] = [ANNA, 'doc-marie-gp-note-v'];

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

function documentForMarie() {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    subject: { reference: `Patient/${MARIE}` },
    type: { coding: [{ system: LOINC, code: '11502-2' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/document-class`, code: 'lab-result' }] }],
    date: new Date().toISOString(),
    author: [{ reference: `Practitioner/${ANNA}` }],
    // Released to the patient at once, so Marie can read it and restrict it.
    extension: [{ url: `${SH}/StructureDefinition/release-rule`, extension: [{ url: 'rule', valueCode: 'immediate' }] }],
    custodian: { reference: 'Organization/org-hopital-du-parc' },
    content: [{ attachment: { url: `https://dms.hopital-du-parc.example/documents/soak-${randomUUID()}.pdf`, contentType: 'application/pdf' } }],
  };
}

/** IHE ITI-65: a document published together with its Binary, which the hub keeps in its safe. */
function documentWithBinaryForMarie() {
  const [docUrl, binaryUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
  const { custodian: _custodian, ...doc } = documentForMarie();
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: docUrl,
        resource: { ...doc, content: [{ attachment: { url: binaryUrl, contentType: 'text/plain' } }] },
        request: { method: 'POST', url: 'DocumentReference' },
      },
      {
        fullUrl: binaryUrl,
        resource: {
          resourceType: 'Binary',
          contentType: 'text/plain',
          data: Buffer.from(`soak note ${randomUUID()}`).toString('base64'),
          securityContext: { reference: docUrl },
        },
        request: { method: 'POST', url: 'Binary' },
      },
    ],
  };
}

/** A referral link from Anna to the pharmacist for Marie (SPEC §3: at most 3 months). */
function referralForMarie() {
  const start = new Date();
  const end = new Date(start.getTime() + 30 * 24 * 3600 * 1000);
  return {
    resourceType: 'CareTeam',
    status: 'active',
    extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-read' }],
    category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: 'referral' }] }],
    subject: { reference: `Patient/${MARIE}` },
    participant: [{ member: { reference: 'Practitioner/pharmacist-ahmed-benali' } }],
    period: { start: start.toISOString(), end: end.toISOString() },
  };
}

/** Marie hides one of her documents from the home nurse (a document-restriction Consent). */
function restrictionByMarie(document: string) {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: 'document-restriction' }] }],
    patient: { reference: `Patient/${MARIE}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: {
      type: 'deny',
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
          reference: { reference: 'Practitioner/nurse-els-goossens' },
        },
      ],
      data: [{ meaning: 'instance', reference: { reference: `DocumentReference/${document}` } }],
    },
  };
}

/** Input the hub must refuse with a 400 OperationOutcome, storing nothing. */
function badInput(): SoakRequest {
  const base = { kind: 'refused-bad-input', persona: ANNA, expected: [400] } as const;
  switch (Math.floor(Math.random() * 4)) {
    case 0:
      return { ...base, method: 'POST', path: '/fhir/DocumentReference', body: '{"resourceType": "DocumentReference", "status": ' };
    case 1: {
      const { type: _type, date: _date, ...incomplete } = documentForMarie();
      return { ...base, method: 'POST', path: '/fhir/DocumentReference', body: incomplete };
    }
    case 2:
      return { ...base, method: 'GET', path: `/fhir/DocumentReference?patient=Patient/${MARIE}` };
    default:
      return { ...base, method: 'GET', path: `/fhir/DocumentReference?patient=Patient/${MARIE}&status=current&no-such-parameter=1` };
  }
}

type Maker = (state: SoakState) => SoakRequest;

/** The mix, by weight: mostly reads, some writes, a steady share of refusals. */
const MIX: readonly [number, Maker][] = [
  [
    25,
    () => {
      const [persona, patient] = pick(SEARCHES);
      return { kind: 'search', persona, method: 'GET', path: `/fhir/DocumentReference?patient=Patient/${patient}&status=current`, expected: [200] };
    },
  ],
  [
    20,
    (state) => {
      const [persona, id] = state.created.length && Math.random() < 0.5 ? [ANNA, pick(state.created)] : pick(FIXTURE_READS);
      return { kind: 'read', persona, method: 'GET', path: `/fhir/DocumentReference/${id}`, expected: [200] };
    },
  ],
  [
    10,
    (state) => {
      // Documents published into the safe during the run, opened by their author or their patient.
      const [persona, id] = state.inSafe.length && Math.random() < 0.7 ? [pick([ANNA, MARIE]), pick(state.inSafe)] : SAFE_NOTE;
      return { kind: 'content', persona, method: 'GET', path: `/fhir/DocumentReference/${id}/$content`, expected: [200] };
    },
  ],
  [3, () => ({ kind: 'publish-with-binary', persona: ANNA, method: 'POST', path: '/fhir', body: documentWithBinaryForMarie(), expected: [200] })],
  [4, () => ({ kind: 'create-document', persona: ANNA, method: 'POST', path: '/fhir/DocumentReference', body: documentForMarie(), expected: [201] })],
  [2, () => ({ kind: 'create-link', persona: ANNA, method: 'POST', path: '/fhir/CareTeam', body: referralForMarie(), expected: [201] })],
  [
    2,
    (state) => ({
      kind: 'create-consent',
      persona: MARIE,
      method: 'POST',
      path: '/fhir/Consent',
      body: restrictionByMarie(state.created.length ? pick(state.created) : 'doc-marie-lab-2026-10'),
      expected: [201],
    }),
  ],
  // Thomas has no link with Marie: her document is invisible to him, so 404 exactly like a missing one.
  [5, () => ({ kind: 'refused-no-link', persona: 'gp-thomas-lambert', method: 'GET', path: '/fhir/DocumentReference/doc-marie-lab-2026-11', expected: [404] })],
  [5, () => badInput()],
  [8, () => ({ kind: 'audit-trail', persona: MARIE, method: 'GET', path: `/fhir/AuditEvent?patient=Patient/${MARIE}&_count=50`, expected: [200] })],
];

const TOTAL_WEIGHT = MIX.reduce((sum, [weight]) => sum + weight, 0);

export function nextRequest(state: SoakState): SoakRequest {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [weight, make] of MIX) {
    roll -= weight;
    if (roll < 0) return make(state);
  }
  return MIX[0][1](state);
}

/** Remembers what a successful create made, for later reads and restrictions. */
export function learn(state: SoakState, request: SoakRequest, status: number, body: string): void {
  let id: unknown;
  try {
    if (request.kind === 'create-document' && status === 201) id = (JSON.parse(body) as { id?: unknown }).id;
    if (request.kind === 'publish-with-binary' && status === 200) {
      const location = (JSON.parse(body) as { entry?: { response?: { location?: string } }[] }).entry?.[0]?.response?.location;
      id = location?.split('/')[1];
      if (typeof id === 'string') remember(state.inSafe, id);
    }
  } catch {
    return;
  }
  if (typeof id !== 'string') return;
  remember(state.created, id);
  state.published++;
}

function remember(list: string[], id: string): void {
  list.push(id);
  if (list.length > MAX_REMEMBERED) list.shift();
}
