import type { OperationOutcome } from '@medplum/fhirtypes';
import { isDatabaseUnavailable } from '../store/database';
import { CommitInDoubtError, CommitPendingError } from '../store/transaction-journal';

/** The OperationOutcome id that means 503 + Retry-After (SPEC §1, §9). */
export const DATABASE_UNAVAILABLE_ID = 'database-unavailable';

/**
 * The answer for a failure caused by an unreachable database, or undefined for any other failure.
 * A 503 means nothing was stored, unless its text says what was (SPEC §9): a bundle whose commit
 * record was written is durable and completed by recovery; one whose commit record was being
 * written when the database went away is in doubt until the database is back.
 */
export function databaseUnavailableOutcome(err: unknown): OperationOutcome | undefined {
  if (err instanceof CommitPendingError) {
    return unavailable(`The database became unavailable after the transaction was committed: it is stored and will be complete as soon as the database is back (${err.references.join(', ')}). Do not send it again.`);
  }
  if (err instanceof CommitInDoubtError) {
    return unavailable(`The database became unavailable while the transaction was being committed: it is either stored in full or not at all (${err.references.join(', ')}). Read one of them back before sending it again.`);
  }
  if (isDatabaseUnavailable(err)) return unavailable('The database is unavailable; nothing was stored. Retry later.');
  return undefined;
}

/** A write that was stored, followed by a step (the audit event) the unavailable database refused. */
export function storedButUnavailableOutcome(reference: string): OperationOutcome {
  return unavailable(`The database became unavailable after ${reference} was stored; its audit event may be missing. Do not send it again.`);
}

function unavailable(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', id: DATABASE_UNAVAILABLE_ID, issue: [{ severity: 'error', code: 'transient', details: { text } }] };
}
