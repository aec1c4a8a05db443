/** How a bundle commit ended when the database went away during it (transaction-journal.ts). */

/**
 * A bundle's commit was decided (its commit record is written) but the database went away before
 * it was applied: it is durable and will be completed by recovery; nothing about it is undone.
 */
export class CommitPendingError extends Error {
  constructor(readonly references: string[]) {
    super(`committed, completion pending: ${references.join(', ')}`);
  }
}

/**
 * The database went away while the commit record was being written: the bundle is either
 * committed (then completed by recovery) or not (then undone by it); nobody can tell yet.
 */
export class CommitInDoubtError extends Error {
  constructor(readonly references: string[]) {
    super(`commit in doubt: ${references.join(', ')}`);
  }
}
