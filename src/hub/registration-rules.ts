import { forbidden, OperationOutcomeError } from '@medplum/core';
import type { Extension, Organization, Practitioner, Reference, Task } from '@medplum/fhirtypes';
import type { WorkflowPort } from '../fhir/workflow-port';
import type { WriteRuleContext } from '../fhir/write-pipeline';
import { relativeReference } from '../fhir/search-values';
import type { Facts } from '../policy/facts';
import { mayFileTask, taskParties, type TaskParties } from '../policy/task-access';
import { JUNIOR_ACCREDITATION_EXT, PROFESSION, SH } from '../vocabulary';
import type { StoredResource } from '../store/stored-resource';
import { refuse } from '../fhir/business-rule';
import { message } from '../messages/message';

/** SPEC §10: Task.code system of the registration workflows, and the evidence a Task carries. */
export const REGISTRATION = `${SH}/CodeSystem/registration`;
export const REGISTRATION_INPUT = `${SH}/CodeSystem/registration-input`;
export const GUARANTOR_EXT = `${SH}/StructureDefinition/guarantor`;
export const HUB_MEMBERSHIP_EXT = `${SH}/StructureDefinition/hub-membership`;
export const PRIVACY_POLICY_EXT = `${SH}/StructureDefinition/privacy-policy-accepted`;
/** Who filed a Task (the token's `sub`), kept on Task.requester.identifier for the own-request rule. */
export const HUB_USER = `${SH}/NamingSystem/hub-user`;

const CODES = new Set(['practitioner-registration', 'institution-membership', 'user-authorization', 'junior-accreditation']);

export function registrationCodeOf(task: Task): string | undefined {
  return task.code?.coding?.find((c) => c.system === REGISTRATION)?.code;
}

/**
 * Business rules of a registration Task write (SPEC §6). A new Task: the filer may file it (403
 * otherwise), it is `requested`, names what its kind needs, and none of its kind is pending for the
 * same subject. The hub sets requester and authoredOn. A self-employed nurse filing its own
 * registration needs no guarantor: the Task is `completed` at once (the filing handler activates).
 * A new version (only `$approve`/`$reject` and the fixture loader write one) may only decide a
 * requested Task, once.
 */
export async function checkTaskWrite(ctx: WriteRuleContext, input: Task, current?: StoredResource): Promise<Task> {
  const facts = factReader(ctx.port, ctx.staged);
  const code = registrationCodeOf(input);
  if (!code || !CODES.has(code)) refuse(message('registration-code-required'), 'Task.code');
  const relative = <R extends Reference>(r: R | undefined): R | undefined =>
    r?.reference ? { ...r, reference: relativeReference(r.reference, ctx.baseUrl) } : r;
  const task: Task = { ...input, ...(input.for ? { for: relative(input.for) } : {}), ...(input.owner ? { owner: relative(input.owner) } : {}) };
  if (current) return checkDecision(current.r as Task, task);

  const parties = taskParties(task, code);
  const { principal } = ctx.policy;
  if (!mayFileTask(principal, ctx.policy.facts, parties)) throw new OperationOutcomeError(forbidden);
  if (task.status !== 'requested') refuse(message('registration-filed-requested'), 'Task.status');
  let status: Task['status'] = 'requested';
  switch (code) {
    case 'practitioner-registration':
      // Self-employed: filed by the nurse herself, acting for no institution (a hospital nurse is a user-authorization).
      status = await checkPractitionerRegistration(facts, parties, ctx.policy.facts.kind === 'practitioner' && !principal.organization);
      break;
    case 'junior-accreditation':
      await checkJuniorAccreditation(facts, parties, task);
      break;
    case 'institution-membership': {
      const org = await organization(facts, parties.subject, 'Task.for');
      if (parties.owner) refuse(message('membership-names-no-owner'), 'Task.owner');
      if (hasExtension(org, HUB_MEMBERSHIP_EXT)) refuse(message('institution-already-member'), 'Task.for');
      break;
    }
    case 'user-authorization':
      await practitioner(facts, parties.subject);
      if (!hasExtension(await organization(facts, parties.owner, 'Task.owner'), HUB_MEMBERSHIP_EXT)) {
        refuse(message('institution-not-member'), 'Task.owner');
      }
      break;
  }
  await assertNonePending(ctx.port, code, parties.subject as string, ctx.stagedDocs());
  const filer = who(ctx.policy.facts);
  // Server-owned (SPEC §6): who filed it and when are the hub's, never the client's; the filer may not decide it.
  return {
    ...task,
    status,
    ...(status === 'completed' ? { businessStatus: { text: 'Self-employed nurse: registered without guarantor' }, lastModified: ctx.now.toISOString() } : {}),
    requester: { ...(filer ? { reference: filer } : {}), identifier: { system: HUB_USER, value: principal.sub } },
    authoredOn: ctx.now.toISOString(),
  };
}

/** A decision moves a requested Task to completed or rejected; its subject, owner and kind stay. */
function checkDecision(previous: Task, next: Task): Task {
  const same = (t: Task) =>
    JSON.stringify({
      ...t,
      meta: undefined,
      status: undefined,
      statusReason: undefined,
      businessStatus: undefined,
      lastModified: undefined,
      output: undefined,
    });
  // The fixture loader re-putting an unchanged Task changes nothing.
  if (previous.status === next.status && same(previous) === same(next)) return next;
  if (previous.status !== 'requested') refuse(message('registration-already-decided'), 'Task.status');
  if (!['completed', 'rejected'].includes(next.status) || same(previous) !== same(next)) refuse(message('registration-decided-by-operation'), 'Task');
  return next;
}

async function checkPractitionerRegistration(facts: FactReader, parties: TaskParties, filedBySelf: boolean): Promise<Task['status']> {
  const professional = await practitioner(facts, parties.subject);
  if (professional.active) refuse(message('professional-already-registered'), 'Task.for');
  if (accreditationStatus(professional)) refuse(message('junior-registers-by-accreditation'), 'Task.code');
  if (parties.owner) {
    await assertGuarantor(facts, parties.owner);
    return 'requested';
  }
  // SPEC §6: a self-employed nurse needs no guarantor. Filed by the hub-admin instead, it waits for the hub-admin.
  if (professionOf(professional) !== 'nurse') refuse(message('registration-names-guarantor'), 'Task.owner');
  return filedBySelf ? 'completed' : 'requested';
}

async function checkJuniorAccreditation(facts: FactReader, parties: TaskParties, task: Task): Promise<void> {
  const junior = await practitioner(facts, parties.subject);
  if (accreditationStatus(junior) !== 'awaiting') refuse(message('accreditation-junior-only'), 'Task.for');
  if (!parties.owner) refuse(message('accreditation-names-guarantor'), 'Task.owner');
  await assertGuarantor(facts, parties.owner);
  assertJuniorEvidence(task);
}

/** SPEC §6: the signed medical-office certificate and both acknowledgements. */
export function assertJuniorEvidence(task: Task): void {
  const input = (code: string) => task.input?.find((i) => i.type.coding?.some((c) => c.system === REGISTRATION_INPUT && c.code === code));
  const certificate = input('medical-office-certificate')?.valueAttachment;
  if (!certificate || !(certificate.data || certificate.url)) refuse(message('accreditation-needs-certificate'), 'Task.input');
  if (input('operating-rules-read')?.valueBoolean !== true || input('continuity-of-care')?.valueBoolean !== true) {
    refuse(message('accreditation-needs-acknowledgements'), 'Task.input');
  }
}

/**
 * A guarantor of the hub: a league, federation or association it recognises (guarantor extension),
 * or the medical directorate of a member institution that accepted the privacy policy (SPEC §6).
 */
export async function assertGuarantor(facts: FactReader, owner: string | undefined): Promise<Organization> {
  const org = await organization(facts, owner, 'Task.owner');
  const institutionGuarantor = hasExtension(org, HUB_MEMBERSHIP_EXT) && hasExtension(org, PRIVACY_POLICY_EXT);
  if (org.active === false || !(hasExtension(org, GUARANTOR_EXT) || institutionGuarantor)) {
    if (hasExtension(org, HUB_MEMBERSHIP_EXT)) refuse(message('privacy-policy-not-accepted'), 'Task.owner');
    refuse(message('not-a-guarantor'), 'Task.owner');
  }
  return org;
}

/** Stored or filed earlier in the same bundle: one transaction cannot file the same request twice. */
async function assertNonePending(port: WorkflowPort, code: string, subject: string, stagedDocs: StoredResource[]): Promise<void> {
  const pending = await port.hasPendingTask(`${REGISTRATION}|${code}`, subject);
  const staged = stagedDocs.some((d) => {
    const task = d.r as Task;
    return task.resourceType === 'Task' && task.status === 'requested' && registrationCodeOf(task) === code && task.for?.reference === subject;
  });
  if (pending || staged) refuse(message('registration-already-pending'), 'Task.for');
}

async function practitioner(facts: FactReader, reference: string | undefined): Promise<Practitioner> {
  const found = reference?.startsWith('Practitioner/') ? await facts('Practitioner', reference.split('/')[1]) : undefined;
  if (!found) refuse(message('registration-names-practitioner'), 'Task.for');
  return found as Practitioner;
}

async function organization(facts: FactReader, reference: string | undefined, expression: string): Promise<Organization> {
  const found = reference?.startsWith('Organization/') ? await facts('Organization', reference.split('/')[1]) : undefined;
  if (!found) refuse(message('registration-names-organization'), expression);
  return found as Organization;
}

/** Writes staged earlier in the same bundle, by type and id. */
export type StagedReader = (type: string, id: string) => StoredResource | undefined;
/** Registry facts as the rules read them: staged first, then the store (unscoped: rules only). */
export type FactReader = (type: 'Practitioner' | 'Organization', id: string) => Promise<Practitioner | Organization | undefined>;

export function factReader(port: WorkflowPort, staged: StagedReader = () => undefined): FactReader {
  return async (type, id) => {
    const inBundle = staged(type, id);
    if (inBundle) return inBundle.del ? undefined : (inBundle.r as Practitioner | Organization);
    return type === 'Practitioner' || type === 'Organization' ? port.registryEntry(type, id) : undefined;
  };
}

/** The party a caller files as: its Practitioner, or the Organization it acts for. */
function who(facts: Facts): string | undefined {
  return facts.kind === 'practitioner' ? facts.self : facts.kind === 'administrative' ? facts.organization : undefined;
}

export function hasExtension(resource: { extension?: Extension[] }, url: string): boolean {
  return !!resource.extension?.some((e) => e.url === url);
}

export function accreditationStatus(p: Practitioner): string | undefined {
  const ext = p.extension?.find((e) => e.url === JUNIOR_ACCREDITATION_EXT);
  return ext ? (ext.extension?.find((e) => e.url === 'status')?.valueCode ?? 'awaiting') : undefined;
}

function professionOf(p: Practitioner): string | undefined {
  return p.qualification?.flatMap((q) => q.code.coding ?? []).find((c) => c.system === PROFESSION)?.code;
}
