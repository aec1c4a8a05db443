import type { OperationOutcome } from '@medplum/fhirtypes';
import { CommitInDoubtError, CommitPendingError } from '../store/commit-errors';
import { isDatabaseUnavailable } from '../store/unavailable';

/** The OperationOutcome id that means 503 + Retry-After (SPEC §1, §9). */
export const DATABASE_UNAVAILABLE_ID = 'database-unavailable';

/**
 * The answer for a failure caused by an unreachable database, or undefined for any other failure.
 * A 503 means nothing was stored, unless its text says what was (SPEC §9): a bundle whose commit
 * record was written is durable and completed by recovery; one whose commit record was being
 * written when the database went away is in doubt until the database is back.
 */
export function databaseUnavailableOutcome(err: unknown): OperationOutcome | undefined {
  if (err instanceof WriteInDoubtError) {
    return unavailable(
      `The database became unavailable while ${err.references.join(', ')} was being stored: it may or may not be stored. Read it back before sending it again.`
    );
  }
  if (err instanceof WriteStoredError) {
    return unavailable(
      `The database became unavailable after ${err.references.join(', ')} was stored, before the hub finished updating what depends on it. Do not send it again.`
    );
  }
  if (err instanceof CommitPendingError) {
    return unavailable(
      `The database became unavailable after the transaction was committed: it is stored and will be complete as soon as the database is back (${err.references.join(', ')}). Do not send it again.`
    );
  }
  if (err instanceof CommitInDoubtError) {
    return unavailable(
      `The database became unavailable while the transaction was being committed: it is either stored in full or not at all (${err.references.join(', ')}). Read one of them back before sending it again.`
    );
  }
  if (isDatabaseUnavailable(err)) return unavailable('The database is unavailable; nothing was stored. Retry later.');
  return undefined;
}

/** A single write interrupted by the database going away: the answer cannot say whether it landed. */
export class WriteInDoubtError extends Error {
  constructor(readonly references: string[]) {
    super(`write in doubt: ${references.join(', ')}`);
  }
}

/** Writes that were stored, followed by follow-up updates the unavailable database refused. */
export class WriteStoredError extends Error {
  constructor(readonly references: string[]) {
    super(`stored: ${references.join(', ')}`);
  }
}

/** A write that was stored, followed by a step (the audit event) the unavailable database refused. */
export function storedButUnavailableOutcome(reference: string): OperationOutcome {
  return unavailable(`The database became unavailable after ${reference} was stored; its audit event may be missing. Do not send it again.`);
}

function unavailable(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', id: DATABASE_UNAVAILABLE_ID, issue: [{ severity: 'error', code: 'transient', details: { text } }] };
}
