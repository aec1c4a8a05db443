import { allOk, created, OperationOutcomeError, type WithId } from '@medplum/core';
import type { FhirRequest, FhirRouteHandler } from '@medplum/fhir-router';
import type { Organization, Parameters, Practitioner, PractitionerRole, Resource, Task } from '@medplum/fhirtypes';
import type { HubRepository } from '../fhir/hub-repository';
import { taskParties } from '../policy/task-access';
import { JUNIOR_ACCREDITATION_EXT } from '../vocabulary';
import { refuse } from '../fhir/business-rule';
import { assertGuarantor, assertJuniorEvidence, factReader, HUB_MEMBERSHIP_EXT, HUB_USER, PRIVACY_POLICY_EXT, registrationCodeOf } from './registration-rules';
import { invalidRequest, message } from '../messages/message';

/**
 * `POST /Task`: files a registration request. The Task's own rules run in the write path
 * (registration-rules.ts); a self-employed nurse's registration is completed at filing, and its
 * activation is committed with the Task, all or nothing.
 */
export const fileTask: FhirRouteHandler = async (req: FhirRequest, r) => {
  const repo = r as HubRepository;
  const body = req.body as Task;
  if (body?.resourceType !== 'Task') throw new OperationOutcomeError(invalidRequest(message('task-expected'), 'resourceType'));
  const task = await repo.withTransaction(async () => {
    const filed = await repo.createResource(body);
    if (filed.status === 'completed') await writeEffects(repo, filed);
    return filed;
  });
  return [created, task];
};

/** `POST /Task/{id}/$approve`: the deciding party approves; the effects are committed with the decision. */
export const approveTask: FhirRouteHandler = async (req, r) => decide(r as HubRepository, req.params.id, 'completed', reasonOf(req.body));

/** `POST /Task/{id}/$reject`, with an optional `reason` (Parameters, valueString). */
export const rejectTask: FhirRouteHandler = async (req, r) => decide(r as HubRepository, req.params.id, 'rejected', reasonOf(req.body));

async function decide(repo: HubRepository, id: string, status: 'completed' | 'rejected', reason: string | undefined): Promise<[typeof allOk, Task]> {
  // Read as the caller: a Task it may not see is not found, exactly like a missing one.
  const task = await repo.readResource<Task>('Task', id);
  const code = registrationCodeOf(task);
  // Nobody decides a Task they filed or that concerns themselves (the policy, SPEC §6).
  const filedBy = task.requester?.identifier?.system === HUB_USER ? task.requester.identifier.value : undefined;
  repo.assertMayOperate(status === 'completed' ? 'approve' : 'reject', { type: 'Task', task: { ...taskParties(task, code), filedBy } });
  if (task.status !== 'requested') refuse(message('registration-already-decided'), 'Task.status');
  if (status === 'completed') await assertStillApprovable(repo, task, code);
  const decided: WithId<Task> = {
    ...task,
    status,
    lastModified: repo.ctx.now.toISOString(),
    ...(reason ? { statusReason: { text: reason } } : {}),
  };
  const written = await repo.withTransaction(async () => {
    const stored = await repo.writeAuthorisedByOperation(decided);
    if (status === 'completed') await writeEffects(repo, stored);
    return stored;
  });
  return [allOk, written];
}

/** The guarantor must still qualify when it decides; the junior's evidence must still be there. */
async function assertStillApprovable(repo: HubRepository, task: Task, code: string | undefined): Promise<void> {
  const owner = task.owner?.reference;
  if (code === 'user-authorization') {
    const org = await repo.readResource<Organization>('Organization', (owner ?? '').split('/')[1] ?? '');
    if (!org.extension?.some((e) => e.url === PRIVACY_POLICY_EXT)) refuse(message('privacy-policy-not-accepted'), 'Task.owner');
  } else if (owner && code !== 'institution-membership') {
    await assertGuarantor(factReader(repo.port), owner);
  }
  if (code === 'junior-accreditation') assertJuniorEvidence(task);
}

/**
 * What an approved request changes, as writes of the same commit: the Practitioner becomes active
 * (accredited for a junior, with a PractitionerRole for a hospital's user), or the institution a member.
 */
async function writeEffects(repo: HubRepository, task: WithId<Task>): Promise<void> {
  const now = repo.ctx.now.toISOString();
  const subject = task.for?.reference ?? '';
  const [type, id] = subject.split('/');
  const code = registrationCodeOf(task);
  if (code === 'institution-membership' && type === 'Organization') {
    const org = await repo.readResource<Organization>('Organization', id);
    await repo.writeAuthorisedByOperation({
      ...org,
      active: true,
      extension: [...withoutExt(org, HUB_MEMBERSHIP_EXT), { url: HUB_MEMBERSHIP_EXT, valueDateTime: now }],
    });
    return;
  }
  if (type !== 'Practitioner') return;
  const professional = await repo.readResource<Practitioner>('Practitioner', id);
  let extension = professional.extension;
  // Only a junior-accreditation request, with its certificate and acknowledgements, accredits a junior
  // doctor (SPEC §6): a user authorization activates her account but leaves her awaiting accreditation.
  if (code === 'junior-accreditation') {
    extension = [
      ...withoutExt(professional, JUNIOR_ACCREDITATION_EXT),
      {
        url: JUNIOR_ACCREDITATION_EXT,
        extension: [
          { url: 'status', valueCode: 'accredited' },
          { url: 'date', valueDateTime: now },
        ],
      },
    ];
  }
  await repo.writeAuthorisedByOperation({ ...professional, active: true, ...(extension ? { extension } : {}) } as WithId<Resource>);
  if (code === 'user-authorization' && task.owner?.reference) {
    const role: WithId<PractitionerRole> = {
      resourceType: 'PractitionerRole',
      id: `authorization-${task.id}`,
      active: true,
      period: { start: now },
      practitioner: { reference: subject },
      organization: { reference: task.owner.reference },
    };
    await repo.writeAuthorisedByOperation(role);
  }
}

/**
 * `POST /Organization/{id}/$accept-privacy-policy`: the institution-admin of that Organization
 * records that it accepted the hub's privacy policy (SPEC §6). Accepting twice keeps the first date.
 */
export const acceptPrivacyPolicy: FhirRouteHandler = async (req, r) => {
  const repo = r as HubRepository;
  repo.assertMayOperate('accept-privacy-policy', { type: 'Organization', reference: `Organization/${req.params.id}` });
  const org = await repo.readResource<Organization>('Organization', req.params.id);
  if (org.extension?.some((e) => e.url === PRIVACY_POLICY_EXT)) return [allOk, org];
  const accepted = await repo.writeAuthorisedByOperation({
    ...org,
    extension: [...(org.extension ?? []), { url: PRIVACY_POLICY_EXT, valueDateTime: repo.ctx.now.toISOString() }],
  });
  return [allOk, accepted];
};

function withoutExt(resource: { extension?: { url: string }[] }, url: string) {
  return (resource.extension ?? []).filter((e) => e.url !== url) as NonNullable<Organization['extension']>;
}

function reasonOf(body: unknown): string | undefined {
  const params = body as Parameters | undefined;
  if (params?.resourceType !== 'Parameters') return undefined;
  return params.parameter?.find((p) => p.name === 'reason')?.valueString;
}
