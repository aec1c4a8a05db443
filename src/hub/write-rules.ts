import { OperationOutcomeError, type WithId } from '@medplum/core';
import type { CareTeam, Consent, DocumentReference, Resource, Task } from '@medplum/fhirtypes';
import type { WriteRuleContext } from '../fhir/write-pipeline';
import type { WorkflowPort } from '../fhir/workflow-port';
import { SSIN } from '../vocabulary';
import type { StoredResource } from '../store/stored-resource';
import { parseFhirDate } from '../fhir/search-values';
import { refuse } from '../fhir/business-rule';
import { checkConsentWrite } from './consent-rules';
import { ssinsOf } from '../policy/unique-states';
import { checkTaskWrite } from './registration-rules';
import { assertRenewal, checkAdmissionLink, withBreakTheGlassFlag } from './link-lifecycle';
import { checkLinkWrite } from './therapeutic-links';
import { checkDocumentPublication } from './document-publication';
import { applyIntegrityRules } from './write-integrity';
import { checkContentSources } from './content-sources';
import { conflictOutcome, invalidRequest, message } from '../messages/message';

/** Business rules of writes (therapeutic links, SPEC §4); defaults applied here. */
export async function applyWorkflowRules(ctx: WriteRuleContext, resource: WithId<Resource>, current: StoredResource | undefined): Promise<WithId<Resource>> {
  const facts = ctx.policy.facts;
  await assertUniqueSsin(ctx.port, resource, ctx.stagedDocs());
  resource = await applyIntegrityRules(ctx, resource, current);
  if (resource.resourceType === 'CareTeam') {
    const team = resource as CareTeam;
    const institutionLink = (team.participant ?? []).some((p) => p.member?.reference?.includes('Organization/'));
    if (facts.kind === 'practitioner' && facts.eligible) {
      if (institutionLink) return withBreakTheGlassFlag(await checkAdmissionLink(ctx, team, facts.actingFor, current)) as WithId<Resource>;
      if (current) assertRenewal(current.r as CareTeam, team, ctx.now);
      return withBreakTheGlassFlag(await checkLinkWrite(ctx.port, facts, team, ctx.now, current?.r as CareTeam | undefined)) as WithId<Resource>;
    }
    if (facts.kind === 'administrative' && facts.organization) {
      return withBreakTheGlassFlag(await checkAdmissionLink(ctx, team, facts.organization, current)) as WithId<Resource>;
    }
    if (facts.kind === 'patient') assertEndsLink(team, current?.r as CareTeam | undefined, ctx.now);
    // Whoever writes it (the patient ending it, the loader), an emergency link keeps its flag.
    return withBreakTheGlassFlag(team) as WithId<Resource>;
  }
  if (resource.resourceType === 'Consent') return (await checkConsentWrite(ctx, resource as Consent, current)) as WithId<Resource>;
  if (resource.resourceType === 'Task') return (await checkTaskWrite(ctx, resource as Task, current)) as WithId<Resource>;
  // Publication rules of documents and SUMEHRs (document-publication.ts): what professionals publish.
  if (resource.resourceType === 'DocumentReference' && facts.kind === 'practitioner') {
    checkDocumentPublication(resource as DocumentReference, ctx.baseUrl);
    // Content only from a registered source of the custodian (content-sources.ts), checked again at fetch.
    await checkContentSources(ctx.port, resource as DocumentReference, current?.r as DocumentReference | undefined, ctx.baseUrl, ctx.now);
  }
  return resource;
}

/** A patient (or grant holder) ends a link; it cannot retarget, retype or extend it (SPEC §4). */
function assertEndsLink(next: CareTeam, previous: CareTeam | undefined, now: Date): void {
  const rest = (team: CareTeam | undefined) => JSON.stringify({ ...team, meta: undefined, status: undefined, period: { ...team?.period, end: undefined } });
  const end = next.period?.end ? parseFhirDate(next.period.end)?.lo : undefined;
  const ends = next.status === 'inactive' || (!!end && end.getTime() <= now.getTime());
  if (!previous || rest(next) !== rest(previous) || !ends) {
    refuse(message('link-patient-only-ends'), 'CareTeam');
  }
}

/**
 * A Patient's identity (SPEC §3, §4): exactly one SSIN or BIS number, in the exact naming system
 * (system URIs compare exactly, so a look-alike such as `.../NamingSystem/SSIN` is refused rather
 * than taken for another identifier), and one Patient per SSIN. Checked here for a clear answer;
 * the `ssin|<number>` guard (src/policy/unique-states.ts) holds it under concurrency.
 */
export async function assertUniqueSsin(port: WorkflowPort, resource: Resource, staged: StoredResource[]): Promise<void> {
  if (resource.resourceType !== 'Patient') return;
  const identifiers = resource.identifier ?? [];
  const lookAlike = identifiers.findIndex((i) => i.system !== SSIN && isLookAlikeOfSsinSystem(i.system));
  if (lookAlike >= 0) {
    throw new OperationOutcomeError(invalidRequest(message('patient-ssin-system-exact', { system: SSIN }), `Patient.identifier[${lookAlike}].system`));
  }
  const ssins = ssinsOf(resource);
  if (ssins.length !== 1) throw new OperationOutcomeError(invalidRequest(message('patient-one-ssin'), 'Patient.identifier'));
  const holder = await port.patientBySsin(ssins[0]);
  const inBundle = staged.some((d) => d.r.resourceType === 'Patient' && d._id !== resource.id && d.a.ssin === ssins[0]);
  if (inBundle || (holder && holder !== `Patient/${resource.id}`)) {
    throw new OperationOutcomeError(conflictOutcome(message('patient-already-registered')));
  }
}

/** Same URI but for case, a trailing slash, `http` or `www`: a typing slip that must not pass as another system. */
function isLookAlikeOfSsinSystem(system: string | undefined): boolean {
  const canonical = (uri: string) =>
    uri
      .trim()
      .toLowerCase()
      .replace(/^https?:\/\/(www\.)?/, '')
      .replace(/\/+$/, '');
  return !!system && canonical(system) === canonical(SSIN);
}
