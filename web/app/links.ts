import type { CareTeam } from '@medplum/fhirtypes';
import { LINK_TYPE, SH } from './format.js';

/** A therapeutic link declared by a professional for itself (SPEC §4): the hub sets start and end. */
export function newLink(patientId: string, member: string, type: string, proof: string, reason?: string): CareTeam {
  return {
    resourceType: 'CareTeam',
    status: 'active',
    extension: [
      { url: `${SH}/StructureDefinition/link-proof`, valueCode: proof },
      ...(reason ? [{ url: `${SH}/StructureDefinition/link-reason`, valueString: reason }] : []),
    ],
    category: [{ coding: [{ system: LINK_TYPE, code: type }] }],
    subject: { reference: `Patient/${patientId}` },
    participant: [{ member: { reference: member } }],
  };
}

/** Ending a link: inactive, its end brought forward to now (an end only ever moves earlier). */
export function endedLink(link: CareTeam): CareTeam {
  const now = new Date().toISOString();
  const end = link.period?.end && link.period.end < now ? link.period.end : now;
  const { meta: _meta, ...rest } = link;
  return { ...rest, status: 'inactive', period: { ...link.period, end } };
}
