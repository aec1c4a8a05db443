import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../policy/access-policy';
import type { StoredResource } from '../store/stored-resource';
import type { WorkflowPort } from './workflow-port';

/**
 * What the business rules of a write see: the caller's policy (already consulted: rules never
 * decide who may act), the request's time, the port of named questions, and the writes staged
 * earlier in the same bundle (rules that count, such as one active consent, count those too).
 */
export interface WriteRuleContext {
  readonly policy: AccessPolicy;
  readonly now: Date;
  readonly baseUrl: string;
  readonly port: WorkflowPort;
  staged(type: string, id: string): StoredResource | undefined;
  stagedDocs(): StoredResource[];
  /** Written by an operation that mayOperate allowed ($publish-sumehr, $release, ...), not by a plain interaction. */
  readonly byOperation: boolean;
}

/**
 * The business rules of writes, registered by the workflows when the hub is assembled
 * (create-hub.ts): the repository runs them in its pipeline (validate -> decide -> rules -> commit)
 * without importing them. They return the resource with the hub's own fields set, or throw.
 */
export type WriteRules = (ctx: WriteRuleContext, resource: WithId<Resource>, current: StoredResource | undefined) => Promise<WithId<Resource>>;
