import type { AccessFields } from '../src/policy/access-fields';
import type { Facts, PatientFacts, PractitionerFacts } from '../src/policy/facts';
import { mayOperate, type Operation, type OperationTarget } from '../src/policy/operation-policy';
import type { Principal } from '../src/policy/principal';
import { mayWrite, type WriteChange } from '../src/policy/write-policy';

/**
 * "Who may write what" (README), computed from mayWrite and mayOperate for one representative
 * caller per role and one patient P: the table in the README is this function's output, and a
 * test fails when they differ. Only who may act is shown; business rules (durations, one active
 * consent, verification on the patient's request) still apply to an allowed write.
 */
const P = 'Patient/p';
const SELF = 'Practitioner/self';
const OTHER = 'Practitioner/other';
const INSTITUTION = 'Organization/hospital';
const scopes = ['user/*.cruds', 'patient/*.cruds', 'system/*.cruds'];

function practitioner(links: { type: string }[], extra: Partial<PractitionerFacts> = {}): PractitionerFacts {
  return {
    kind: 'practitioner',
    self: SELF,
    eligible: true,
    profession: 'physician',
    links: links.map((l) => ({ patient: P, type: l.type })),
    consented: new Set([P]),
    excludedBy: new Set(),
    hiddenAlways: new Set(),
    ...extra,
  };
}

const patientFacts = (guardian: boolean): PatientFacts =>
  guardian
    ? { kind: 'patient', self: 'Patient/parent', records: new Set(['Patient/parent', P]), portal: new Set([P]), guardianOf: new Set([P]) }
    : { kind: 'patient', self: P, records: new Set([P]), portal: new Set([P]) };

interface Caller {
  role: string;
  principal: Principal;
  facts: Facts;
}

export const CALLERS: Caller[] = [
  { role: "patient's GP (gp-long-term/gmd)", principal: { sub: 'gp', role: 'practitioner', scopes }, facts: practitioner([{ type: 'gp-long-term' }]) },
  {
    role: 'linked nurse (referral)',
    principal: { sub: 'nurse', role: 'practitioner', scopes },
    facts: practitioner([{ type: 'referral' }], { profession: 'nurse' }),
  },
  { role: 'unlinked physician', principal: { sub: 'stranger', role: 'practitioner', scopes }, facts: practitioner([]) },
  {
    role: 'excluded physician (of a member hospital)',
    principal: { sub: 'excluded', role: 'practitioner', scopes },
    facts: practitioner([], { excludedBy: new Set([P]), actingFor: INSTITUTION }),
  },
  { role: 'patient (16+)', principal: { sub: 'patient', role: 'patient', scopes }, facts: patientFacts(false) },
  { role: 'parent (grant, child < 16)', principal: { sub: 'parent', role: 'patient', scopes }, facts: patientFacts(true) },
  { role: 'institution-admin', principal: { sub: 'ia', role: 'institution-admin', scopes }, facts: { kind: 'administrative', organization: INSTITUTION } },
  { role: 'hub-admin', principal: { sub: 'ha', role: 'hub-admin', scopes }, facts: { kind: 'administrative' } },
];

const consent = (kind: string, channel?: string, extra: Partial<AccessFields> & { restrictedAuthors?: string[] } = {}) => ({
  patient: P,
  kind,
  ...(channel ? { channel } : {}),
  ...extra,
});
const doc = (authors: string[]): AccessFields => ({ patient: P, clinical: true, authors, class: 'lab-result', label: 'N', current: true });

type Action = { name: string; write?: (caller: Caller) => WriteChange; operation?: [Operation, OperationTarget] };

/** The channel each registrar uses for a hub-sharing consent (SPEC §4). */
const channelOf = (c: Caller) => (c.facts.kind === 'practitioner' ? 'gp' : c.facts.kind === 'patient' ? 'hub-website' : 'pdf-form');

export const ACTIONS: Action[] = [
  { name: 'register a hub-sharing consent', write: (c) => ({ type: 'Consent', interaction: 'create', next: consent('hub-sharing', channelOf(c)) }) },
  {
    name: 'revoke the hub-sharing consent',
    write: (c) => ({ type: 'Consent', interaction: 'update', previous: consent('hub-sharing', channelOf(c)), next: consent('hub-sharing', channelOf(c)) }),
  },
  { name: 'record an exclusion', write: () => ({ type: 'Consent', interaction: 'create', next: consent('exclusion') }) },
  {
    name: 'record a restriction of its own document',
    write: () => ({ type: 'Consent', interaction: 'create', next: consent('document-restriction', undefined, { restrictedAuthors: [SELF] }) }),
  },
  {
    name: "record a restriction of another's document",
    write: () => ({ type: 'Consent', interaction: 'create', next: consent('document-restriction', undefined, { restrictedAuthors: [OTHER] }) }),
  },
  { name: 'record a grant', write: () => ({ type: 'Consent', interaction: 'create', next: consent('grant') }) },
  {
    name: 'change a consent channel',
    write: (c) => ({
      type: 'Consent',
      interaction: 'update',
      previous: consent('hub-sharing', 'gp'),
      next: consent('hub-sharing', c.facts.kind === 'patient' ? 'hub-website' : 'hospital'),
    }),
  },
  { name: 'create its own link', write: () => ({ type: 'CareTeam', interaction: 'create', next: { patient: P, members: [SELF] } }) },
  { name: 'refer to another professional', write: () => ({ type: 'CareTeam', interaction: 'create', next: { patient: P, members: [OTHER] } }) },
  { name: "open its institution's admission link", write: () => ({ type: 'CareTeam', interaction: 'create', next: { patient: P, members: [INSTITUTION] } }) },
  {
    name: "end a link (the patient's own)",
    write: () => ({ type: 'CareTeam', interaction: 'update', previous: { patient: P, members: [OTHER] }, next: { patient: P, members: [OTHER] } }),
  },
  { name: 'publish a document as author', write: () => ({ type: 'DocumentReference', interaction: 'create', next: doc([SELF]) }) },
  { name: "change another's document", write: () => ({ type: 'DocumentReference', interaction: 'update', previous: doc([OTHER]), next: doc([OTHER]) }) },
  { name: '$release (attending physician)', operation: ['release', { type: 'DocumentReference', fields: doc([OTHER]) }] },
  { name: '$request-deletion of its own document', operation: ['request-deletion', { type: 'DocumentReference', fields: doc([SELF]) }] },
  { name: '$publish-sumehr as author', operation: ['publish-sumehr', { type: 'Composition', fields: { patient: P, authors: [SELF] } }] },
];

export type WriteMatrix = { roles: string[]; rows: { action: string; allowed: boolean[] }[] };

export function writeMatrix(): WriteMatrix {
  return {
    roles: CALLERS.map((c) => c.role),
    rows: ACTIONS.map((a) => ({
      action: a.name,
      allowed: CALLERS.map(
        (c) => (a.write ? mayWrite(a.write(c), c.facts, c.principal) : mayOperate(a.operation![0], a.operation![1], c.facts, c.principal)).allowed
      ),
    })),
  };
}

/** The matrix as the README shows it (✓ = the policy lets this caller try; business rules still apply). */
export function writeMatrixMarkdown(matrix = writeMatrix()): string {
  const head = `| action | ${matrix.roles.join(' | ')} |`;
  const rule = `| --- | ${matrix.roles.map(() => ':-:').join(' | ')} |`;
  const rows = matrix.rows.map((r) => `| ${r.action} | ${r.allowed.map((a) => (a ? '✓' : '')).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

// `npx ts-node --transpile-only scripts/write-matrix.ts` prints the README table.
if (require.main === module) console.log(writeMatrixMarkdown());
