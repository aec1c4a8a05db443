import { OperationOutcomeError, getStatus } from '@medplum/core';
import type { CareTeam, Resource } from '@medplum/fhirtypes';
import { LINK_TYPE } from '../vocabulary';

/** AuditEvent.outcome: success, minor failure (refused, not found, invalid), serious failure. */
export type AuditOutcome = '0' | '4' | '8';

/** One resource an access touched, with the patient whose record it belongs to (if any). */
export interface Touch {
  patient?: string;
  resource: string;
  /** A break-the-glass (emergency) link was written. */
  breakTheGlass?: boolean;
  /** Named by a search the caller may not make for this patient: found nothing, and refused. */
  refused?: boolean;
}

/** One repository call made for a request: an interaction and what it touched. */
export interface Access {
  /** restful-interaction code: read, vread, history-instance, history-type, search-type, create, update, patch, delete. */
  interaction: string;
  resourceType: string;
  outcome: AuditOutcome;
  touches: Touch[];
  /** The search as it was run (`Type?params`), for searches. */
  query?: string;
}

/**
 * What one request's repository read and wrote, recorded as it happens, for the audit trail
 * (SPEC §7). Transport-free: the HTTP layer turns it into AuditEvents before the response leaves.
 */
export class AccessLog {
  readonly accesses: Access[] = [];

  begin(interaction: string, resourceType: string, query?: string): Access {
    const access: Access = { interaction, resourceType, outcome: '0', touches: [], ...(query ? { query } : {}) };
    this.accesses.push(access);
    return access;
  }

  /** The access under way, or a new one for a write made outside the REST interactions (an operation's). */
  current(interaction: string, resourceType: string): Access {
    return this.accesses[this.accesses.length - 1] ?? this.begin(interaction, resourceType);
  }
}

export function touch(access: Access, resource: string, patient: unknown, flags: { breakTheGlass?: boolean; refused?: boolean } = {}): void {
  if (access.touches.some((t) => t.resource === resource)) return;
  access.touches.push({
    resource,
    ...(typeof patient === 'string' && patient ? { patient } : {}),
    ...(flags.breakTheGlass ? { breakTheGlass: true } : {}),
    ...(flags.refused ? { refused: true } : {}),
  });
}

/** The audit outcome of an error: a refusal or bad input is minor (4), anything unexpected serious (8). */
export function outcomeOfError(err: unknown): AuditOutcome {
  if (err instanceof OperationOutcomeError) return getStatus(err.outcome) >= 500 ? '8' : '4';
  return '8';
}

export function outcomeOfStatus(status: number): AuditOutcome {
  return status >= 500 ? '8' : status >= 400 ? '4' : '0';
}

/** An emergency link is break-the-glass (SPEC §5): its creation is flagged in the trail. */
export function breaksTheGlass(resource: Resource): boolean {
  return (
    resource.resourceType === 'CareTeam' &&
    !!(resource as CareTeam).category?.some((c) => c.coding?.some((x) => x.system === LINK_TYPE && x.code === 'emergency'))
  );
}
