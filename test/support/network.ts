import type { BundleEntry, List } from '@medplum/fhirtypes';
import fs from 'node:fs';
import path from 'node:path';
import supertest from 'supertest';
import type { HubConfig } from '../../src/config';
import type { HubOptions } from '../../src/create-hub';
import { copyNetworkSnapshot } from './network-snapshot';
import { startTestHub, type TestHub } from './test-hub';
import { MHD_LIST_TYPES } from '../../src/fhir/mhd-provide-bundle';
import { SH } from '../../src/vocabulary';
export { SH };

interface PersonasFile {
  referenceDate: string;
  personas: Record<string, { claims: Record<string, unknown> }>;
}
const personas = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/personas.json'), 'utf8')) as PersonasFile;

/**
 * ITI-67 (SPEC §8) requires `patient` and `status` on every DocumentReference search. A test that
 * proves what stays hidden asks for every status and every patient of the network, so that the
 * required parameters narrow nothing and the proof is as broad as an unfiltered search.
 */
export const ANY_DOCUMENT_STATUS = 'current,superseded,entered-in-error';
const network = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/network.json'), 'utf8')) as {
  entry: { resource: { resourceType: string; id: string } }[];
};
export const NETWORK_PATIENTS = network.entry.filter((e) => e.resource.resourceType === 'Patient').map((e) => e.resource.id);
/** `DocumentReference?patient=<every network patient>&status=<every status>`, for network-wide proofs. */
export const ALL_DOCUMENTS = `DocumentReference?patient=${NETWORK_PATIENTS.join(',')}&status=${ANY_DOCUMENT_STATUS}`;

/** The token claims of a demo persona (fixtures/personas.json). */
export function personaClaims(persona: string): Record<string, unknown> {
  const claims = personas.personas[persona]?.claims;
  if (!claims) throw new Error(`Unknown persona ${persona}`);
  return claims;
}

/** The demo network's "today": its link periods are drawn around it. */
export const NETWORK_DATE = new Date(personas.referenceDate);

export interface NetworkHub extends TestHub {
  /** Moves the hub's request clock (tests never sleep). */
  setNow(date: Date): void;
  as(persona: string): PersonaAgent;
}

export interface PersonaAgent {
  get(url: string): supertest.Test;
  post(url: string, body: unknown): supertest.Test;
  put(url: string, body: unknown): supertest.Test;
  delete(url: string): supertest.Test;
}

/** A hub on a copy of the demo network (loaded once per run), the real access policy, and a clock set to the network's date. */
export async function startNetworkHub(settings: Partial<HubConfig> = {}, options: HubOptions = {}): Promise<NetworkHub> {
  let now = NETWORK_DATE;
  const t = await startTestHub({ clock: () => now, ...options }, settings, copyNetworkSnapshot);
  const agent = supertest(t.app);
  return {
    ...t,
    setNow: (date) => {
      now = date;
    },
    as(persona) {
      const auth = `Bearer ${t.token(personaClaims(persona))}`;
      const withBody = (request: supertest.Test, body: unknown) =>
        request
          .set('Authorization', auth)
          .set('Content-Type', 'application/fhir+json')
          .send(body as object);
      return {
        get: (url) => agent.get(url).set('Authorization', auth),
        post: (url, body) => withBody(agent.post(url), body),
        put: (url, body) => withBody(agent.put(url), body),
        delete: (url) => agent.delete(url).set('Authorization', auth),
      };
    },
  };
}

export const LOINC = 'http://loinc.org';
/** The break-the-glass reason on an emergency link (SPEC §4). */
export const BTG = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' };

/** A DocumentReference as a publisher would send it. */
export function documentFor(
  patient: string,
  options: {
    id?: string;
    cls?: string;
    loinc?: string;
    label?: 'N' | 'R' | 'V';
    author?: string;
    release?: { rule: string; date?: string };
    date?: string;
    custodian?: string | false;
  } = {}
) {
  return {
    resourceType: 'DocumentReference',
    ...(options.id ? { id: options.id } : {}),
    status: 'current',
    subject: { reference: `Patient/${patient}` },
    type: { coding: [{ system: LOINC, code: options.loinc ?? '11502-2' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/document-class`, code: options.cls ?? 'lab-result' }] }],
    date: options.date ?? '2026-11-20T10:00:00Z',
    ...(options.author ? { author: [{ reference: options.author }] } : {}),
    // SPEC §4 publication needs a custodian; hubs without the demo network pass `custodian: false`.
    ...(options.custodian === false ? {} : { custodian: { reference: options.custodian ?? 'Organization/org-hopital-du-parc' } }),
    ...(options.label ? { securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: options.label }] }] } : {}),
    ...(options.release
      ? {
          extension: [
            {
              url: `${SH}/StructureDefinition/release-rule`,
              extension: [
                { url: 'rule', valueCode: options.release.rule },
                ...(options.release.date ? [{ url: 'releaseDate', valueDateTime: options.release.date }] : []),
              ],
            },
          ],
        }
      : {}),
    content: [
      {
        attachment: {
          url: `${DOCUMENT_SOURCES[options.custodian || 'Organization/org-hopital-du-parc'] ?? 'https://lab.example'}/reports/1`,
          contentType: 'application/pdf',
        },
      },
    ],
  };
}

/** The demo custodians' registered document sources (their Endpoints in fixtures/network.json, SPEC §4). */
export const DOCUMENT_SOURCES: Record<string, string> = {
  'Organization/org-hopital-du-parc': 'https://dms.hopital-du-parc.example/documents',
  'Organization/org-ziekenhuis-zuid': 'https://epd.ziekenhuis-zuid.example/documenten',
};

/**
 * Registers one more document source of an institution (setup only): an active Endpoint at
 * `address`, listed on the Organization next to those it has.
 */
export async function registerDocumentSource(t: TestHub, organization: string, id: string, address: string): Promise<void> {
  await seed(t, {
    resourceType: 'Endpoint',
    id,
    status: 'active',
    address,
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any' }] }],
    managingOrganization: { reference: organization },
  });
  const org = (await t.store.readFactById('Organization', organization.split('/')[1]))?.r as {
    resourceType: string;
    id: string;
    endpoint?: { reference?: string }[];
  };
  await seed(t, { ...org, endpoint: [...(org.endpoint ?? []), { reference: `Endpoint/${id}` }] });
}

/** Writes test data in-process with the system policy (setup only; reads under test go through HTTP). */
export async function seed<T extends { resourceType: string; id?: string }>(t: TestHub, resource: T): Promise<T & { id: string }> {
  const { systemPolicy } = await import('../../src/policy/access-policy');
  const repo = t.hub.openRepository(systemPolicy({ sub: 'test-seed', role: 'hub-admin', scopes: [] }), t.hub.clock());
  const written = resource.id ? await repo.updateResource(resource as never) : await repo.createResource(resource as never);
  return written as unknown as T & { id: string };
}

export type Ref = string | { identifier: { system: string; value: string } };

/** A Consent of one of the hub's kinds (SPEC §4, §10), as a patient or professional would send it. */
export function consentFor(
  patient: string,
  kind: 'hub-sharing' | 'exclusion' | 'document-restriction' | 'grant',
  options: { id?: string; actor?: Ref; data?: string; period?: { start?: string; end?: string }; status?: string; channel?: string } = {}
) {
  const deny = kind === 'exclusion' || kind === 'document-restriction';
  const actorRef = options.actor === undefined ? undefined : typeof options.actor === 'string' ? { reference: options.actor } : options.actor;
  return {
    resourceType: 'Consent',
    ...(options.id ? { id: options.id } : {}),
    status: options.status ?? 'active',
    ...(options.channel ? { extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: options.channel }] } : {}),
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: kind }] }],
    patient: { reference: `Patient/${patient}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: deny ? 'OPTOUT' : 'OPTIN' }] },
    provision: {
      type: deny ? 'deny' : 'permit',
      ...(options.period ? { period: options.period } : {}),
      ...(actorRef
        ? { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: actorRef }] }
        : {}),
      ...(options.data ? { data: [{ meaning: 'instance', reference: { reference: options.data } }] } : {}),
    },
  };
}

/** A therapeutic link with proof of contact, as a professional would send it. */
export function careTeam(patient: string, member: string, type: string, period: { start: string; end?: string }, id?: string) {
  return {
    resourceType: 'CareTeam',
    ...(id ? { id } : {}),
    status: 'active',
    extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-read' }],
    category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: type }] }],
    subject: { reference: `Patient/${patient}` },
    participant: [{ member: { reference: member } }],
    period,
  };
}

/** A Binary kept in the hub's safe under a DocumentReference. */
/**
 * The fields of a final Composition of the patient, dated at the network date and authored by
 * Anna unless told otherwise: a SUMEHR (LOINC 60591-5) unless `code` names another kind of note.
 */
export function compositionFor(patient: string, { code = '60591-5', title = 'SUMEHR', author = 'Practitioner/gp-anna-peeters' } = {}) {
  return {
    resourceType: 'Composition' as const,
    status: 'final' as const,
    type: { coding: [{ system: LOINC, code }] },
    subject: { reference: `Patient/${patient}` },
    date: NETWORK_DATE.toISOString(),
    author: [{ reference: author }],
    title,
  };
}

export function binaryFor(id: string, documentReference: string) {
  return {
    resourceType: 'Binary',
    id,
    contentType: 'text/plain',
    data: Buffer.from(`content of ${documentReference}`).toString('base64'),
    securityContext: { reference: `DocumentReference/${documentReference}` },
  };
}

/** A registration request (SPEC §6) of this kind about `subject`, as a Task filed for `owner` to decide. */
export function registrationTask(code: string, subject: string, owner?: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: `${SH}/CodeSystem/registration`, code }] },
    for: { reference: subject },
    ...(owner ? { owner: { reference: owner } } : {}),
    ...extra,
  };
}

/** The submission set of an ITI-65 Provide Document Bundle (SPEC §8), as its transaction entry listing the documents. */
export function submissionSetEntry(fullUrl: string, patient: string, source: string, documentUrls: string[], extra: Partial<List> = {}): BundleEntry<List> {
  return {
    fullUrl,
    resource: {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      code: { coding: [{ system: MHD_LIST_TYPES, code: 'submissionset' }] },
      subject: { reference: `Patient/${patient}` },
      source: { reference: source },
      entry: documentUrls.map((url) => ({ item: { reference: url } })),
      ...extra,
    },
    request: { method: 'POST', url: 'List' },
  };
}
