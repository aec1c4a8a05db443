import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { Facts } from '../policy/facts';
import type { Principal } from '../policy/principal';
import { REGISTRY_TYPES } from '../policy/resource-classes';
import { AUDIT_AGENT_ORGANIZATION_EXT, CLIENT_ID_SYSTEM, NIHII_PROFESSIONAL, PEER_HUB_SYSTEM, PROFESSION, SSIN } from '../vocabulary';
import { outcomeOfStatus, type Access, type AuditOutcome } from './access-log';
import { ACT_REASON, AUDIT_EVENT_TYPE, DICOM, ENTITY_TYPE, OBJECT_ROLE, PARTICIPATION_TYPE, RESTFUL_INTERACTION, SOURCE_TYPE } from './audit-vocabulary';

/** What the audit trail needs to know of one finished request. */
export interface AuditContext {
  principal: Principal;
  facts: Facts;
  now: Date;
  baseUrl: string;
  request: { method: string; url: string; status: number };
}

/** An event ready to be chained: the chain it goes to and the access fields that decide who reads it. */
export interface PendingAuditEvent {
  patient?: string;
  /** The requestor as `Type/id`, when the hub knows it: professionals read their own successful actions. */
  requestor?: string;
  outcome: AuditOutcome;
  event: AuditEvent;
}

/** Types whose accesses are not about a patient: the registry, the registration Tasks, the trail itself. */
const UNAUDITED_TYPES = new Set([...REGISTRY_TYPES, 'Task', 'AuditEvent']);

const ACTIONS: Record<string, AuditEvent['action']> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  update: 'U',
  patch: 'U',
  delete: 'D',
  'search-type': 'E',
  operation: 'E',
};

/**
 * SPEC §7 in the IHE BALP shape: one AuditEvent per patient touched by the request (per entry for
 * a batch or transaction), allowed or refused. Accesses that touched no patient's record but
 * concerned patient data (an empty search, a refused write) give one event without a patient.
 */
export function auditEventsFor(ctx: AuditContext, accesses: Access[]): PendingAuditEvent[] {
  const audited = accesses.filter((a) => !UNAUDITED_TYPES.has(a.resourceType));
  if (!audited.length) return [];
  const path = ctx.request.url.split('?')[0];
  const bundle = ctx.request.method === 'POST' && path === '';
  const operation = /(^|\/)(\$[A-Za-z-]+)$/.exec(path)?.[2];
  const units = bundle ? audited.map((a) => [a]) : [audited];
  const requestFailed = ctx.request.status >= 400;
  return units.flatMap((unit) => {
    const interaction = operation ? 'operation' : unit[0].interaction;
    const unitOutcome = requestFailed ? outcomeOfStatus(ctx.request.status) : worst(unit.map((a) => a.outcome));
    const byPatient = new Map<string | undefined, { resources: Set<string>; btg: boolean; refused: boolean }>();
    for (const t of unit.flatMap((a) => a.touches)) {
      const entry = byPatient.get(t.patient) ?? { resources: new Set<string>(), btg: false, refused: true };
      entry.resources.add(t.resource);
      entry.btg ||= !!t.breakTheGlass;
      entry.refused &&= !!t.refused;
      byPatient.set(t.patient, entry);
    }
    if (!byPatient.size) byPatient.set(undefined, { resources: new Set(), btg: false, refused: false });
    const queries = unit.map((a) => a.query).filter((q): q is string => !!q);
    return [...byPatient].map(([patient, touched]) => {
      const outcome = touched.refused && unitOutcome === '0' ? '4' : unitOutcome;
      const basis = outcome === '0' && patient ? basisOf(ctx.facts, patient) : { references: [], emergency: false };
      const event: AuditEvent = {
        resourceType: 'AuditEvent',
        type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
        subtype: [{ system: RESTFUL_INTERACTION, code: interaction, ...(operation ? { display: operation } : {}) }],
        action: ACTIONS[interaction] ?? 'E',
        recorded: ctx.now.toISOString(),
        outcome,
        ...(outcome !== '0' ? { outcomeDesc: `HTTP ${ctx.request.status}` } : {}),
        ...(basis.emergency || touched.btg ? { purposeOfEvent: [{ coding: [{ system: ACT_REASON, code: 'BTG', display: 'break the glass' }] }] } : {}),
        agent: agentsOf(ctx),
        source: {
          observer: { display: 'sharehub', identifier: { system: 'urn:ietf:rfc:3986', value: ctx.baseUrl } },
          type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
        },
        entity: [
          ...(patient ? [entity(patient, '1', 'Person', '1', 'Patient')] : []),
          ...[...touched.resources].filter((r) => r !== patient).map((r) => entity(r, '2', 'System Object', '4', 'Domain Resource')),
          ...queries.map((q) => ({
            ...entity(undefined, '2', 'System Object', '24', 'Query'),
            query: Buffer.from(patient ? shapeOf(q) : q).toString('base64'),
          })),
          ...basis.references.map((r) => entity(r, '2', 'System Object', '13', 'Security Resource')),
        ],
      };
      return { patient, requestor: requestorOf(ctx.facts), outcome, event };
    });
  });
}

/** Search parameters whose values name no person: kept as they are in a patient's event. */
const PLAIN_PARAMS = new Set([
  'status',
  'category',
  'type',
  'date',
  'code',
  'intent',
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_lastUpdated',
]);

/**
 * The query as a patient's event keeps it: one search may look up several people (SSINs, ids,
 * names), and each patient reads their own trail, so values that could name someone else are
 * masked (`identifier=*`); the caller's own chain and the resources found keep the detail.
 */
function shapeOf(query: string): string {
  const [type, params = ''] = query.split('?', 2);
  const parts = [...new URLSearchParams(params)].map(([name, value]) => `${name}=${PLAIN_PARAMS.has(name.split(':')[0]) ? encodeURIComponent(value) : '*'}`);
  return parts.length ? `${type}?${parts.join('&')}` : type;
}

function worst(outcomes: AuditOutcome[]): AuditOutcome {
  return outcomes.includes('8') ? '8' : outcomes.includes('4') ? '4' : '0';
}

function entity(reference: string | undefined, type: string, typeDisplay: string, role: string, roleDisplay: string): AuditEventEntity {
  return {
    ...(reference ? { what: { reference } } : {}),
    type: { system: ENTITY_TYPE, code: type, display: typeDisplay },
    role: { system: OBJECT_ROLE, code: role, display: roleDisplay },
  };
}

/** The Consent and links the decision for this patient rested on; an emergency link flags break-the-glass. */
function basisOf(facts: Facts, patient: string): { references: string[]; emergency: boolean } {
  if (facts.kind !== 'practitioner' && facts.kind !== 'patient') return { references: [], emergency: false };
  const consent = facts.consentBasis?.get(patient);
  const links = facts.kind === 'practitioner' ? facts.links.filter((l) => l.patient === patient) : [];
  return {
    references: [...(consent ? [consent] : []), ...links.map((l) => l.basis).filter((b): b is string => !!b)],
    emergency: links.some((l) => l.type === 'emergency'),
  };
}

function requestorOf(facts: Facts): string | undefined {
  return facts.kind === 'practitioner' || facts.kind === 'patient' ? facts.self : undefined;
}

/** The user (requestor) with name, profession and organization; the client application; a peer hub. */
function agentsOf(ctx: AuditContext): AuditEventAgent[] {
  const { principal, facts } = ctx;
  const user = principal.role === 'hub' && principal.actor ? principal.actor : principal;
  const self = requestorOf(facts);
  const name = facts.kind === 'practitioner' || facts.kind === 'patient' ? facts.name : undefined;
  const identifier = user.nihii ? { system: NIHII_PROFESSIONAL, value: user.nihii } : user.ssin ? { system: SSIN, value: user.ssin } : undefined;
  const role: Coding[] = user.profession ? [{ system: PROFESSION, code: user.profession }] : [];
  const institution = facts.kind === 'practitioner' ? facts.actingFor : undefined;
  const agents: AuditEventAgent[] = [
    {
      type: { coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }] },
      who: { ...(self ? { reference: self } : {}), ...(identifier ? { identifier } : {}), ...(name ? { display: name } : {}) },
      altId: user.sub,
      role: [{ ...(role.length ? { coding: role } : {}), text: user.profession ?? user.role }],
      requestor: true,
      ...(institution ? { extension: [{ url: AUDIT_AGENT_ORGANIZATION_EXT, valueReference: { reference: institution } }] } : {}),
    },
  ];
  if (principal.clientId) agents.push(application(CLIENT_ID_SYSTEM, principal.clientId));
  // The calling hub of a peer call (SPEC §11): named next to the professional it acted for.
  if (principal.role === 'hub' && principal.hubId) agents.push({ ...application(PEER_HUB_SYSTEM, principal.hubId), role: [{ text: 'hub' }] });
  return agents;
}

function application(system: string, value: string): AuditEventAgent {
  return { type: { coding: [{ system: DICOM, code: '110150', display: 'Application' }] }, who: { identifier: { system, value } }, requestor: false };
}
