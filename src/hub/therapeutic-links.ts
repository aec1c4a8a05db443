import { refuse } from '../fhir/business-rule';
import type { CareTeam } from '@medplum/fhirtypes';
import type { WorkflowPort } from '../fhir/workflow-port';
import { parseFhirDate } from '../fhir/search-values';
import type { PractitionerFacts } from '../policy/facts';
import { LINK_TYPE, SH } from '../vocabulary';
import { message } from '../messages/message';

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

/** Every refusal that could tell an unknown patient, one without consent or one that excluded the caller apart (SPEC §1, §4). */
export function refuseLink(): never {
  refuse(message('link-cannot-be-created'), 'CareTeam.subject');
}

/** Break-the-glass duties (SPEC §4, CodeSystem duty). */
const BREAK_THE_GLASS_DUTIES = ['emergency', 'on-call'];

/**
 * Business rules of a therapeutic link written by a professional (SPEC §4). Returns the link with
 * the hub's own fields (start = now on creation and never changed; end = the type's maximum when
 * omitted); throws 422 when a rule is broken. An update either ends the link earlier or renews a
 * GMD link by its holder (up to 12 months from now); nothing else moves an end later.
 */
export async function checkLinkWrite(port: WorkflowPort, facts: PractitionerFacts, link: CareTeam, now: Date, current?: CareTeam): Promise<CareTeam> {
  if (!LINKING_PROFESSIONS.has(facts.profession)) refuse(message('link-professions-only'));
  const type = link.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code;
  const rule = type ? LINK_RULES[type] : undefined;
  if (!type || !rule) refuse(message('link-type-unknown'), 'CareTeam.category');
  const members = (link.participant ?? []).map((p) => p.member?.reference);
  if (members.length !== 1 || !members[0]?.startsWith('Practitioner/')) refuse(message('link-names-one-professional'), 'CareTeam.participant');
  const member = members[0] as string;
  const referral = member !== facts.self;
  if (referral && !(type === 'referral' && facts.profession === 'physician')) {
    refuse(message('link-for-itself'), 'CareTeam.participant');
  }
  // A physician's referral may name any registered professional (midwives, dentists, physiotherapists...).
  const memberProfession = referral ? await port.professionOf(member) : facts.profession;
  if (!memberProfession || (!referral && !rule.holders.includes(memberProfession)))
    refuse(message('link-type-not-for-profession', { type }), 'CareTeam.category');
  if (type === 'emergency' && !current && !(await port.hasDuty(member, BREAK_THE_GLASS_DUTIES))) {
    refuse(message('link-glass-needs-duty'), 'CareTeam.category');
  }

  const proof = link.extension?.find((e) => e.url === PROOF_EXT)?.valueCode;
  if (!proof) refuse(message('link-needs-proof'), 'CareTeam.extension');
  const reason = link.extension?.find((e) => e.url === REASON_EXT)?.valueString;
  if ((proof === 'eid-bypass' || type === 'emergency') && !reason?.trim()) refuse(message('link-needs-reason'), 'CareTeam.extension');

  const { start, end, endText } = linkPeriod(link, current, now, type === 'gmd' && !referral ? rule.maxMonths : undefined, rule.maxMonths, type);
  const patient = link.subject?.reference ?? '';
  // Ending a link it holds asks nothing; a new link (even one born ended) passes every check, with one answer.
  const ending = !!current && (link.status === 'inactive' || end.getTime() <= now.getTime());
  if (!ending) {
    if (!(await port.patientExists(patient)) || !(await port.hasActiveConsent(patient)) || (await port.isExcluded(patient, member))) refuseLink();
  }
  return { ...link, period: { start, end: endText } };
}

/**
 * The period the hub stores: the start is the hub's (now at creation, the stored start after);
 * the end defaults to the maximum and never exceeds it; on an update it only moves earlier,
 * except a renewal (`renewalMonths`: up to that many months from now).
 */
export function linkPeriod(
  link: CareTeam,
  current: CareTeam | undefined,
  now: Date,
  renewalMonths: number | undefined,
  maxMonths: number,
  type: string
): { start: string; end: Date; endText: string } {
  const start = current?.period?.start ?? now.toISOString();
  const asked = link.period?.end ? (parseFhirDate(link.period.end)?.hi ?? refuse(message('link-end-invalid'), 'CareTeam.period.end')) : undefined;
  if (!current) {
    const latestEnd = addMonths(now, maxMonths);
    if (asked && asked.getTime() > latestEnd.getTime()) refuse(message('link-too-long', { type, months: maxMonths }), 'CareTeam.period.end');
    return asked ? { start, end: asked, endText: link.period?.end as string } : { start, end: latestEnd, endText: latestEnd.toISOString() };
  }
  const previousEnd = current.period?.end ? parseFhirDate(current.period.end)?.hi : undefined;
  // A renewal without an end takes the maximum from now, as a new link would; any other update keeps its end.
  const renewing = renewalMonths !== undefined && link.status === 'active' && !asked;
  const end = renewing ? addMonths(now, renewalMonths) : (asked ?? previousEnd ?? now);
  // The end as the client wrote it when it gave one; the stored one, or the hub's, otherwise.
  const endText = asked ? (link.period?.end as string) : renewing || !current.period?.end ? end.toISOString() : current.period.end;
  if (!previousEnd || end.getTime() <= previousEnd.getTime()) return { start, end, endText };
  if (renewalMonths === undefined) refuse(message('link-end-only-earlier'), 'CareTeam.period.end');
  const latestRenewal = addMonths(now, renewalMonths);
  if (end.getTime() > latestRenewal.getTime()) refuse(message('link-too-long', { type, months: maxMonths }), 'CareTeam.period.end');
  return { start, end, endText };
}

export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}
