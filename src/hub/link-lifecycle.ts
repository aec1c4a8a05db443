import type { CareTeam, Coding, Organization } from '@medplum/fhirtypes';
import type { WriteRuleContext } from '../fhir/write-pipeline';
import { parseFhirDate, relativeReference } from '../fhir/search-values';
import { LINK_TYPE, SH } from '../vocabulary';
import type { StoredResource } from '../store/stored-resource';
import { refuse } from '../fhir/business-rule';
import { HUB_MEMBERSHIP_EXT, PRIVACY_POLICY_EXT } from './registration-rules';
import { linkPeriod, refuseLink } from './therapeutic-links';
import { message } from '../messages/message';

/**
 * Break-the-glass flag (SPEC §5): every `emergency` link carries it in meta.security, set by the hub
 * (a client can neither omit it nor put it on another link), so the patient and the audit trail see it.
 */
export const BREAK_THE_GLASS: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' };

export function linkTypeOf(team: CareTeam): string | undefined {
  return team.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code;
}

export function withBreakTheGlassFlag(team: CareTeam): CareTeam {
  const others = (team.meta?.security ?? []).filter((c) => !(c.system === BREAK_THE_GLASS.system && c.code === BREAK_THE_GLASS.code));
  const security = linkTypeOf(team) === 'emergency' ? [...others, BREAK_THE_GLASS] : others;
  // No `security: undefined`: the store would keep it as null, and the resource would no longer validate.
  const { security: _previous, ...meta } = team.meta ?? {};
  const flagged = { ...meta, ...(security.length ? { security } : {}) };
  const { meta: _meta, ...rest } = team;
  return { ...rest, ...(Object.keys(flagged).length ? { meta: flagged } : {}) };
}

/**
 * A professional renews its link (SPEC §4): same patient, member and type, and only while the link
 * is in force; the link rules then allow an end up to the type's maximum counted from now. An ended
 * link (by the patient, a revocation or an exclusion) is not revived: a new contact makes a new link.
 */
export function assertRenewal(previous: CareTeam, next: CareTeam, now: Date): void {
  const end = previous.period?.end ? parseFhirDate(previous.period.end)?.hi : undefined;
  if (previous.status !== 'active' || (end && end.getTime() < now.getTime())) refuse(message('link-ended-not-renewed'), 'CareTeam.status');
  const key = (t: CareTeam) => JSON.stringify([t.subject?.reference, (t.participant ?? []).map((p) => p.member?.reference), linkTypeOf(t)]);
  if (key(previous) !== key(next)) refuse(message('link-renewal-keeps-parties'), 'CareTeam');
}

const HOSPITAL_STAY_MONTHS = 3;
const PROOF_EXT = `${SH}/StructureDefinition/link-proof`;

/**
 * An institution's admission link (SPEC §4): a `hospital-stay` link whose member is the
 * Organization (a member that accepted the privacy policy), created (or ended, or renewed) by its
 * institution-admin or by a practitioner acting for it; its attending team reaches the patient through their PractitionerRole. Proof is the
 * admission; at most 3 months (omitted end = 3 months); the patient must have an active consent.
 * Exclusions still bite: rule 3 keeps an excluded professional out whatever link its institution holds.
 */
export async function checkAdmissionLink(ctx: WriteRuleContext, link: CareTeam, institution: string | undefined, current?: StoredResource): Promise<CareTeam> {
  const members = (link.participant ?? []).map((p) => (p.member?.reference ? relativeReference(p.member.reference, ctx.baseUrl) : undefined));
  if (!institution || members.length !== 1 || members[0] !== institution) refuse(message('admission-link-own-institution'), 'CareTeam.participant');
  if (linkTypeOf(link) !== 'hospital-stay') refuse(message('institution-link-hospital-stay'), 'CareTeam.category');
  if (link.extension?.find((e) => e.url === PROOF_EXT)?.valueCode !== 'hospital-admission')
    refuse(message('admission-link-needs-admission'), 'CareTeam.extension');
  const org = await ctx.port.registryEntry<Organization>('Organization', institution.split('/')[1]);
  if (!org?.extension?.some((e) => e.url === HUB_MEMBERSHIP_EXT)) refuse(message('institution-not-member'), 'CareTeam.participant');
  if (current) assertRenewal(current.r as CareTeam, link, ctx.now);
  const { start, end, endText } = linkPeriod(link, current?.r as CareTeam | undefined, ctx.now, undefined, HOSPITAL_STAY_MONTHS, 'hospital-stay');
  const ending = !!current && (link.status === 'inactive' || end.getTime() <= ctx.now.getTime());
  if (!ending) {
    // SPEC §4: opened (or renewed) only by a member that accepted the privacy policy; a discharge is always allowed.
    if (!org.extension?.some((e) => e.url === PRIVACY_POLICY_EXT)) refuse(message('privacy-policy-not-accepted'), 'CareTeam.participant');
    const patient = relativeReference(link.subject?.reference ?? '', ctx.baseUrl);
    if (!(await ctx.port.patientExists(patient)) || !(await ctx.port.hasActiveConsent(patient))) refuseLink();
  }
  return { ...link, period: { start, end: endText } };
}
