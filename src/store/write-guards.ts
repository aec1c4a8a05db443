import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { insertedUnique, type TakeoverMarker } from './version-claim';

/**
 * Guard documents: "at most one X" invariants (one active hub-sharing consent per patient, one
 * Patient per SSIN, one pending registration Task per kind and subject) held by the database. A
 * state that must be unique is entered only by inserting its guard, `_id` = the key (for example
 * `hub-sharing|Patient/x`), naming the resource that holds it; a unique `_id` insert is atomic on
 * MongoDB and FerretDB alike. The guard is deleted when the holder leaves the state.
 */
export const GUARD_COLLECTION = 'WriteGuard';

/** A guard whose holder never reached the guarded state (its writer died) is taken over after this. */
export const ABANDONED_GUARD_MS = 60_000;

export interface WriteGuard {
  _id: string;
  /** `Type/id` of the resource in the guarded state. */
  holder: string;
  /** The holder's version that entered the state. */
  version: number;
  token: string;
  claimedAt: Date;
}

/** What the holder of a guard is doing now, as the business rules see it. */
export type HolderState = 'holds' | 'pending' | 'released';

/**
 * `holds`: the holder is stored in the guarded state. `pending`: the holder's version that claimed
 * it is not stored (yet): a write in flight, or one that died. `released`: the holder is stored at
 * or past that version and out of the state (a release that did not happen, e.g. a crash).
 */
export type HolderCheck = (guard: WriteGuard) => Promise<HolderState>;

/** Raised when another resource holds the guard. */
export class GuardTakenError extends Error {
  constructor(readonly key: string) {
    super(`Guard ${key} is held`);
  }
}

export interface GuardClaim {
  key: string;
  holder: string;
  version: number;
}

/**
 * Claims a guard for `claim.holder`. Returns the guard inserted (to release if the write fails), or
 * undefined when the holder already held it. Throws GuardTakenError when another resource holds it.
 */
export async function claimGuard(guards: Collection<WriteGuard>, claim: GuardClaim, check: HolderCheck, now = new Date()): Promise<WriteGuard | undefined> {
  const mine: WriteGuard = { _id: claim.key, holder: claim.holder, version: claim.version, token: randomUUID(), claimedAt: now };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await insertedUnique(guards, mine)) return mine;
    const held = await guards.findOne({ _id: claim.key });
    if (!held) continue; // released meanwhile: try once more
    if (held.holder === claim.holder) return undefined;
    const state = await check(held);
    const old = now.getTime() - held.claimedAt.getTime() > ABANDONED_GUARD_MS;
    if (state === 'holds' || (state === 'pending' && !old)) throw new GuardTakenError(claim.key);
    // Of several writers finding the same stale guard, the one inserting its take-over marker wins.
    if (!(await insertedUnique(guards as unknown as Collection<TakeoverMarker>, { _id: `takeover|${held._id}|${held.token}`, claimedAt: now })))
      throw new GuardTakenError(claim.key);
    await guards.replaceOne({ _id: claim.key }, mine);
    return mine;
  }
  throw new GuardTakenError(claim.key);
}

/** Gives back a guard this write inserted (its write failed). */
export async function releaseClaimedGuard(guards: Collection<WriteGuard>, guard: WriteGuard): Promise<void> {
  await guards.deleteOne({ _id: guard._id, token: guard.token });
}

/** Ends a guard when its holder leaves the guarded state; a guard another resource took over stays. */
export async function releaseGuard(guards: Collection<WriteGuard>, key: string, holder: string): Promise<void> {
  await guards.deleteOne({ _id: key, holder });
}

/**
 * Runs `work` as the only holder of `key` across requests and hub instances (a conditional create:
 * search, then create). Waits while another holder works; a holder that died is taken over once
 * abandoned. Throws GuardTakenError when the wait runs out.
 */
export async function exclusively<T>(guards: Collection<WriteGuard>, key: string, work: () => Promise<T>, waits = 300, pauseMs = 50): Promise<T> {
  const claim = { key, holder: `section/${randomUUID()}`, version: 0 };
  let guard: WriteGuard | undefined;
  for (let attempt = 0; !guard; attempt++) {
    try {
      guard = await claimGuard(guards, claim, async () => 'pending');
    } catch (err) {
      if (!(err instanceof GuardTakenError) || attempt >= waits) throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  try {
    return await work();
  } finally {
    await releaseClaimedGuard(guards, guard).catch(() => undefined);
  }
}
