import { refuse } from './business-rule';
import type { CareTeam } from '@medplum/fhirtypes';
import type { WorkflowPort } from '../fhir/workflow-port';
import { parseFhirDate } from '../fhir/search-values';
import type { PractitionerFacts } from '../policy/facts';
import { LINK_TYPE, SH } from '../policy/vocabulary';

/** SPEC §4: who may hold each link type, and for how long at most (months). */
const LINK_RULES: Record<string, { holders: string[]; maxMonths: number }> = {
  'gp-long-term': { holders: ['physician'], maxMonths: 15 },
  pharmacist: { holders: ['pharmacist'], maxMonths: 15 },
  gmd: { holders: ['physician'], maxMonths: 12 },
  referral: { holders: ['physician', 'nurse', 'pharmacist'], maxMonths: 3 },
  'hospital-stay': { holders: ['physician', 'nurse', 'pharmacist'], maxMonths: 3 },
  emergency: { holders: ['physician'], maxMonths: 1 },
};
const LINKING_PROFESSIONS = new Set(['physician', 'nurse', 'pharmacist']);
const PROOF_EXT = `${SH}/StructureDefinition/link-proof`;
const REASON_EXT = `${SH}/StructureDefinition/link-reason`;

/**
 * Business rules of a therapeutic link written by a professional (SPEC §4). Returns the link with
 * its defaults applied (start = now, end = the type's maximum); throws 422 when a rule is broken.
 */
export async function checkLinkWrite(port: WorkflowPort, facts: PractitionerFacts, link: CareTeam, now: Date): Promise<CareTeam> {
  if (!LINKING_PROFESSIONS.has(facts.profession)) refuse('Only physicians, nurses and pharmacists create therapeutic links');
  const type = link.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code;
  const rule = type ? LINK_RULES[type] : undefined;
  if (!type || !rule) refuse('A therapeutic link needs a known link-type category', 'CareTeam.category');
  const members = (link.participant ?? []).map((p) => p.member?.reference);
  if (members.length !== 1 || !members[0]?.startsWith('Practitioner/')) refuse('A therapeutic link names exactly one professional', 'CareTeam.participant');
  const member = members[0] as string;
  if (member !== facts.self && !(type === 'referral' && facts.profession === 'physician')) {
    refuse('A professional creates links for itself; only a physician refers a patient to another professional', 'CareTeam.participant');
  }
  const memberProfession = member === facts.self ? facts.profession : await port.professionOf(member);
  if (!memberProfession || !rule.holders.includes(memberProfession)) refuse(`A ${type} link cannot be held by this profession`, 'CareTeam.category');

  const proof = link.extension?.find((e) => e.url === PROOF_EXT)?.valueCode;
  if (!proof) refuse('A therapeutic link needs a proof of contact', 'CareTeam.extension');
  const reason = link.extension?.find((e) => e.url === REASON_EXT)?.valueString;
  if ((proof === 'eid-bypass' || type === 'emergency') && !reason?.trim()) refuse('This link needs a reason', 'CareTeam.extension');

  const start = link.period?.start ? (parseFhirDate(link.period.start)?.lo ?? refuse('Invalid link start', 'CareTeam.period.start')) : now;
  const latestEnd = addMonths(start > now ? start : now, rule.maxMonths);
  const end = link.period?.end ? (parseFhirDate(link.period.end)?.hi ?? refuse('Invalid link end', 'CareTeam.period.end')) : latestEnd;
  if (end.getTime() > latestEnd.getTime()) refuse(`A ${type} link lasts at most ${rule.maxMonths} months`, 'CareTeam.period.end');

  const patient = link.subject?.reference ?? '';
  if (!(await port.hasActiveConsent(patient))) refuse('The patient has no active consent to data sharing', 'CareTeam.subject');
  if (await port.isExcluded(patient, member)) refuse('This link cannot be created', 'CareTeam.participant');

  return { ...link, period: { start: link.period?.start ?? now.toISOString(), end: link.period?.end ?? latestEnd.toISOString() } };
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}
