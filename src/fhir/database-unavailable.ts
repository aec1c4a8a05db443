import type { OperationOutcome } from '@medplum/fhirtypes';
import { message, messageOutcome, type Message } from '../messages/message';
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
    return unavailable(message('database-write-in-doubt', { references: err.references.join(', ') }));
  }
  if (err instanceof WriteStoredError) {
    return unavailable(message('database-write-stored', { references: err.references.join(', ') }));
  }
  if (err instanceof CommitPendingError) {
    return unavailable(message('database-commit-pending', { references: err.references.join(', ') }));
  }
  if (err instanceof CommitInDoubtError) {
    return unavailable(message('database-commit-in-doubt', { references: err.references.join(', ') }));
  }
  if (isDatabaseUnavailable(err)) return unavailable(message('database-unavailable'));
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
  return unavailable(message('database-audit-missing', { reference }));
}

function unavailable(m: Message): OperationOutcome {
  return messageOutcome(m, 'transient', undefined, DATABASE_UNAVAILABLE_ID);
}
