import type { Filter } from 'mongodb';
import type { Condition } from './condition';
import { toMongoFilter } from './mongo-filter';
import type { PersistedResource } from './persisted-form';
import type { StoreCollections } from './store-collections';
import { historyEntryOf, type HistoryEntry, type StoredResource } from './stored-resource';

/**
 * Reads of past versions. A version's history entry is claimed before its current document is
 * written (version-claim.ts), so these reads leave out claimed versions not written (yet, or ever).
 */
export class VersionHistory {
  constructor(private readonly collections: StoreCollections) {}

  /** One version from history; the caller has already checked the current document is visible. */
  async readVersion(type: string, id: string, version: number, current: StoredResource): Promise<HistoryEntry | undefined> {
    if (version === current.v) return historyEntryOf(type, current);
    if (version > current.v) return undefined;
    return (await this.collections.history.findOne({ _id: `${type}/${id}/${version}` })) ?? undefined;
  }

  /** All versions of one visible resource, newest first. Versions above the current one are never shown. */
  async instanceHistory(type: string, current: StoredResource, limit: number, offset: number): Promise<{ entries: HistoryEntry[]; total: number }> {
    const filter = { t: type, id: current._id, v: { $lte: current.v } };
    const stored = await this.collections.history.find(filter).sort({ v: -1 }).toArray();
    // The current write is made before its history entry; if a crash fell in between, show it anyway.
    if (!stored.some((e) => e.v === current.v)) stored.unshift(historyEntryOf(type, current));
    return { entries: stored.slice(offset, offset + limit), total: stored.length };
  }

  /** Versions of the type's resources that satisfy `scope` now, newest first. */
  async typeHistory(type: string, scope: Condition, limit: number, since?: Date): Promise<HistoryEntry[]> {
    const filter: Filter<HistoryEntry> = { t: type };
    if (since) filter.ts = { $gte: since };
    if (!('always' in scope)) {
      const visible = await this.collections
        .current(type)
        .find(toMongoFilter(scope) as Filter<PersistedResource>, { projection: { _id: 1 } })
        .limit(1000)
        .toArray();
      filter.id = { $in: visible.map((d) => d._id) };
    }
    const entries = await this.collections.history.find(filter).sort({ ts: -1 }).limit(limit).toArray();
    return this.withoutUnwritten(type, entries);
  }

  /** Drops claimed versions whose current document is not (or never was) written: in flight or abandoned. */
  private async withoutUnwritten(type: string, entries: HistoryEntry[]): Promise<HistoryEntry[]> {
    const claimed = [...new Set(entries.filter((e) => e.claim).map((e) => e.id))];
    if (!claimed.length) return entries;
    const current = await this.collections
      .current(type)
      .find({ _id: { $in: claimed } }, { projection: { v: 1 } })
      .toArray();
    const written = new Map(current.map((d) => [d._id, d.v]));
    return entries.filter((e) => !e.claim || e.v <= (written.get(e.id) ?? 0));
  }
}
