import { createHash } from 'node:crypto';
import type { AuditEvent, Extension } from '@medplum/fhirtypes';
import { AUDIT_CHAIN_EXT } from '../vocabulary';

/** The `previous` of a chain's first event. */
export const GENESIS = '0'.repeat(64);

/**
 * Chains: one per patient (`Patient/<id>`), so a patient's trail is verifiable on its own and
 * appends for different patients never wait for each other; accesses that touched no patient
 * chain per user (`user:<sub>`).
 */
export function chainOf(patient: string | undefined, userSub: string): string {
  return patient ? patientChain(patient) : `user:${userSub}`;
}

/** The chain holding every event about one patient's record (`Patient/<id>`): that patient's trail. */
export function patientChain(patient: string): string {
  return patient;
}

/** A FHIR id (64 characters at most) from the chain and the position in it; unique by construction. */
export function auditEventId(chain: string, seq: number): string {
  return `${createHash('sha256').update(chain).digest('hex').slice(0, 32)}-${seq}`;
}

export interface ChainLink {
  chain: string;
  seq: number;
  previous: string;
  hash: string;
}

/**
 * Seals an event into its chain: the hash covers the event's content (its meta aside, which the
 * store sets) together with the chain, the position and the previous event's hash.
 */
export function sealEvent(event: AuditEvent, chain: string, seq: number, previous: string): AuditEvent {
  const unsealed: AuditEvent = {
    ...event,
    id: auditEventId(chain, seq),
    extension: [...(event.extension ?? []).filter((e) => e.url !== AUDIT_CHAIN_EXT), chainExtension(chain, seq, previous)],
  };
  const hash = hashOf(unsealed);
  return { ...unsealed, extension: [...(unsealed.extension ?? []).slice(0, -1), chainExtension(chain, seq, previous, hash)] };
}

/** The chain link an event carries, and whether its hash matches its content. */
export function readSeal(event: AuditEvent): { link?: ChainLink; intact: boolean } {
  const link = linkOf(event);
  if (!link) return { intact: false };
  const { chain, seq, previous, hash } = link;
  const ext = event.extension?.find((e) => e.url === AUDIT_CHAIN_EXT);
  const unsealed: AuditEvent = { ...event, extension: event.extension?.map((e) => (e === ext ? chainExtension(chain, seq, previous) : e)) };
  return { link, intact: hashOf(unsealed) === hash };
}

/**
 * The chain link an event carries, as written: for chaining the next event onto it (the writer
 * that sealed it, or one walking to the chain's end). Checking it against the content is
 * readSeal's work (the verifier's); hashing every event twice on the append path is not.
 */
export function linkOf(event: AuditEvent): ChainLink | undefined {
  const ext = event.extension?.find((e) => e.url === AUDIT_CHAIN_EXT);
  const part = (url: string) => ext?.extension?.find((e) => e.url === url);
  const chain = part('chain')?.valueString;
  const seq = part('sequence')?.valueInteger;
  const previous = part('previous')?.valueString;
  const hash = part('hash')?.valueString;
  return chain && seq !== undefined && previous && hash ? { chain, seq, previous, hash } : undefined;
}

function hashOf(event: AuditEvent): string {
  const { meta: _meta, ...content } = event;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

function chainExtension(chain: string, seq: number, previous: string, hash?: string): Extension {
  return {
    url: AUDIT_CHAIN_EXT,
    extension: [
      { url: 'chain', valueString: chain },
      { url: 'sequence', valueInteger: seq },
      { url: 'previous', valueString: previous },
      ...(hash ? [{ url: 'hash', valueString: hash }] : []),
    ],
  };
}

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
