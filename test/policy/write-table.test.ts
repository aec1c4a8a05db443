/**
 * The write table: for each write path and each role, what the policy lets the
 * caller do (mayWrite / mayOperate, scripts/write-matrix.ts) and what the hub really answers over
 * HTTP as the demo persona of that role. A write the policy refuses must be refused before any
 * business rule (403, or the answer of a missing target); a write it allows may still break a
 * business rule (422) but is never refused as forbidden. The README table is the same matrix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ACTIONS, CALLERS, writeMatrix, writeMatrixMarkdown } from '../../scripts/write-matrix';
import { careTeam, compositionFor, consentFor, documentFor, NETWORK_DATE, type NetworkHub, seed, SH, startNetworkHub } from '../support/network';
import { LUC, LUCAS, MARIE } from '../support/seeded-hub';

/** Each role of the matrix played by a demo persona, on a patient it stands in that relation to. */
const PERSONAS: Record<string, { persona: string; patient: string; self?: string }> = {
  "patient's GP (gp-long-term/gmd)": { persona: 'gp-anna-peeters', patient: MARIE, self: 'Practitioner/gp-anna-peeters' },
  'linked nurse (referral)': { persona: 'nurse-els-goossens', patient: MARIE, self: 'Practitioner/nurse-els-goossens' },
  'unlinked physician': { persona: 'gp-thomas-lambert', patient: MARIE, self: 'Practitioner/gp-thomas-lambert' },
  'excluded physician (of a member hospital)': { persona: 'physician-sarah-maes', patient: LUC, self: 'Practitioner/physician-sarah-maes' },
  'patient (16+)': { persona: 'patient-marie-dubois', patient: MARIE },
  'parent (grant, child < 16)': { persona: 'patient-marie-dubois', patient: LUCAS },
  'institution-admin': { persona: 'hopital-du-parc-admin', patient: MARIE },
  'hub-admin': { persona: 'hub-admin', patient: MARIE },
};
const onRequest = (patient: string) => ({ verification: [{ verified: true, verifiedWith: { reference: `Patient/${patient}` } }] });
const CHANNEL: Record<string, string> = { practitioner: 'gp', patient: 'hub-website', administrative: 'pdf-form' };

/** The HTTP request of an action, for the paths the table drives over HTTP. */
const REQUESTS: Record<
  string,
  (
    t: NetworkHub,
    who: { persona: string; patient: string; self?: string },
    kind: string
  ) => Promise<{ status: number; body: { issue?: { details?: { text?: string } }[] } }>
> = {
  'register a hub-sharing consent': (t, w, kind) => t.as(w.persona).post('/fhir/Consent', consentFor(w.patient, 'hub-sharing', { channel: CHANNEL[kind] })),
  'record an exclusion': (t, w) =>
    t
      .as(w.persona)
      .post('/fhir/Consent', { ...consentFor(w.patient, 'exclusion', { actor: 'Practitioner/pharmacist-ahmed-benali' }), ...onRequest(w.patient) }),
  'record a grant': (t, w) =>
    t.as(w.persona).post('/fhir/Consent', { ...consentFor(w.patient, 'grant', { actor: 'Practitioner/pharmacist-ahmed-benali' }), ...onRequest(w.patient) }),
  'publish a document as author': (t, w) =>
    t
      .as(w.persona)
      .post(
        '/fhir/DocumentReference',
        documentFor(w.patient, { author: w.self ?? 'Practitioner/gp-anna-peeters', cls: 'lab-result', custodian: 'Organization/org-hopital-du-parc' })
      ),
  "open its institution's admission link": (t, w) =>
    t.as(w.persona).post('/fhir/CareTeam', {
      ...careTeam(w.patient, 'Organization/org-hopital-du-parc', 'hospital-stay', { start: NETWORK_DATE.toISOString() }),
      extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'hospital-admission' }],
    }),
  'refer to another professional': (t, w) =>
    t.as(w.persona).post('/fhir/CareTeam', careTeam(w.patient, 'Practitioner/pharmacist-ahmed-benali', 'referral', { start: NETWORK_DATE.toISOString() })),
  'change a consent channel': (t, w) => {
    const consent = fixture('Consent', `consent-${w.patient.replace(/^patient-/, '')}-hub-sharing`);
    const current = (consent.extension as { valueCode?: string }[] | undefined)?.[0]?.valueCode;
    const channel = { url: `${SH}/StructureDefinition/consent-channel`, valueCode: current === 'hospital' ? 'gp' : 'hospital' };
    return t.as(w.persona).put(`/fhir/Consent/${consent.id}`, { ...consent, extension: [channel] });
  },
  '$release (attending physician)': (t, w) =>
    t.as(w.persona).post(`/fhir/DocumentReference/${w.patient === LUC ? 'doc-luc-lab' : 'doc-marie-radiology-report'}/$release`, {}),
  '$request-deletion of its own document': async (t, w) => {
    // Its own document, written in-process; callers that author nothing try the GP's.
    const id = `own-${w.persona}-${w.patient}`;
    if (w.self) await seed(t, documentFor(w.patient, { id, author: w.self, cls: 'lab-result' }));
    return t.as(w.persona).post(`/fhir/DocumentReference/${w.self ? id : 'doc-marie-gp-note-v'}/$request-deletion`, {});
  },
  '$publish-sumehr as author': (t, w) =>
    t.as(w.persona).post('/fhir/Composition/$publish-sumehr', {
      resourceType: 'Bundle',
      type: 'document',
      entry: [
        {
          fullUrl: 'urn:uuid:composition',
          resource: {
            ...compositionFor(w.patient, { author: w.self }),
          },
        },
      ],
    }),
  'create its own link': (t, w) =>
    t
      .as(w.persona)
      .post('/fhir/CareTeam', careTeam(w.patient, w.self ?? 'Practitioner/pharmacist-ahmed-benali', 'referral', { start: NETWORK_DATE.toISOString() })),
  // Last: the patient ends a link, which changes what its professional reaches.
  "end a link (the patient's own)": (t, w) => {
    const id =
      LINK_OF_ANOTHER[w.patient] === `link-marie-dubois-${w.persona.replace(/^gp-/, '')}` ? 'link-marie-dubois-els-goossens' : LINK_OF_ANOTHER[w.patient];
    const link = fixture('CareTeam', id);
    return t.as(w.persona).put(`/fhir/CareTeam/${id}`, { ...link, status: 'inactive', period: { ...link.period, end: NETWORK_DATE.toISOString() } });
  },
};

/** A link of the patient that does not name the caller (Anna's own is swapped for the nurse's). */
const LINK_OF_ANOTHER: Record<string, string> = {
  [MARIE]: 'link-marie-dubois-anna-peeters',
  [LUC]: 'link-luc-martin-thomas-lambert',
  [LUCAS]: 'link-lucas-dubois-anna-peeters',
};

type FixtureResource = { resourceType: string; id: string; period?: { start?: string; end?: string }; [key: string]: unknown };
const NETWORK = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/network.json'), 'utf8')) as { entry: { resource: FixtureResource }[] };
function fixture(type: string, id: string): FixtureResource {
  const found = NETWORK.entry.find((e) => e.resource.resourceType === type && e.resource.id === id)?.resource;
  if (!found) throw new Error(`No fixture ${type}/${id}`);
  return found;
}

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('who may write what', () => {
  it("the README table is the policy's matrix", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(writeMatrixMarkdown());
  });

  it('every role and action of the matrix has a persona and a decision', () => {
    expect(Object.keys(PERSONAS).sort()).toEqual(CALLERS.map((c) => c.role).sort());
    expect(writeMatrix().rows).toHaveLength(ACTIONS.length);
  });

  // Row by row, each caller in turn; the row that creates links runs last, since a new link changes what a caller reaches.
  for (const action of Object.keys(REQUESTS)) {
    it(`over HTTP, as the personas: ${action}`, async () => {
      const row = writeMatrix().rows.find((r) => r.action === action)!;
      const outcomes: { role: string; allowed: boolean; status: number; text?: string }[] = [];
      for (const [i, caller] of CALLERS.entries()) {
        const res = await REQUESTS[action](t, PERSONAS[caller.role], caller.facts.kind);
        outcomes.push({ role: caller.role, allowed: row.allowed[i], status: res.status, text: res.body.issue?.[0]?.details?.text });
      }
      for (const o of outcomes) {
        // Allowed: stored, or refused by a business rule (422/400), never as forbidden or hidden.
        if (o.allowed) expect({ ...o, refusedByPolicy: [403, 404].includes(o.status) }).toEqual({ ...o, refusedByPolicy: false });
        // Refused: 403, or exactly the answer of a missing target (a patient it may not reach), and never stored.
        else {
          const missing = o.status === 404 || (o.status === 400 && !!o.text?.startsWith('Reference not found'));
          expect({ ...o, refusedByPolicy: o.status === 403 || missing }).toEqual({ ...o, refusedByPolicy: true });
        }
      }
    });
  }
});
