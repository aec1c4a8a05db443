import type { CommandStartedEvent, Document } from 'mongodb';
import { accessPolicyFor } from '../../src/policy/access-policy';
import { loadFacts } from '../../src/policy/facts';
import { ResourceStore } from '../../src/store/resource-store';
import { startMonitoredHub, type MonitoredHub } from './monitored-hub';
import { NETWORK_DATE, type NetworkHub } from './network';

/**
 * Facts loaded for one patient (src/policy/request-scope.ts) are told apart by the CareTeam queries
 * a request sends: the caller's links by participant (full facts), or the active links of one
 * patient by `a:patient` (scoped).
 */
export const linkQueries = (queries: Document[]) => queries.filter((q) => 's:participant' in q || ('a:patient' in q && 's:status' in q));
/** Every facts' link query of the request named this patient (and there was at least one). */
export const onlyLinksOf = (queries: Document[], patient: string) =>
  linkQueries(queries).length > 0 && linkQueries(queries).every((q) => q['a:patient'] === patient);
/** The request loaded the full facts: some link query named no patient. */
export const allLinks = (queries: Document[]) => linkQueries(queries).some((q) => !('a:patient' in q));

/**
 * Two hubs on one test hub's database: `scoped`, as the hub is, whose CareTeam queries are reported,
 * and `full`, the same hub deciding every request with the caller's full facts (its scope ignored):
 * the answers before scoping, for differential tests.
 */
export interface ScopedAndFullHubs {
  scoped: MonitoredHub;
  full: MonitoredHub;
  /** The request's answer and the CareTeam filters the scoped hub sent meanwhile. */
  careTeamsReadBy<R>(request: () => PromiseLike<R>): Promise<{ answer: R; queries: Document[] }>;
  close(): Promise<void>;
}

export async function startScopedAndFullHubs(t: NetworkHub): Promise<ScopedAndFullHubs> {
  let careTeamQueries: Document[] = [];
  const scoped = await startMonitoredHub(
    t.config,
    () => NETWORK_DATE,
    (event: CommandStartedEvent) => {
      if (event.commandName === 'find' && event.command.find === 'CareTeam') careTeamQueries.push(event.command.filter ?? {});
    }
  );
  // The full facts are read through the full hub's own client: its queries are not the scoped hub's.
  let store: ResourceStore | undefined;
  const full = await startMonitoredHub(
    t.config,
    () => NETWORK_DATE,
    () => undefined,
    {
      policyFor: async (principal, now) => accessPolicyFor(principal, await loadFacts(store as ResourceStore, principal, now), now),
    }
  );
  store = new ResourceStore(full.db(t.config.databaseName));
  return {
    scoped,
    full,
    async careTeamsReadBy(request) {
      careTeamQueries = [];
      const answer = await request();
      return { answer, queries: careTeamQueries };
    },
    close: async () => {
      await full.close();
      await scoped.close();
    },
  };
}
