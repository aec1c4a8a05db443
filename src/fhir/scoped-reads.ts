import { readTrailPage, type TrailPage, type TrailPageQuery } from '../audit/trail-reader';
import type { AccessPolicy } from '../policy/access-policy';
import type { NarrowHints } from '../policy/narrow';
import { AuditStore } from '../store/audit-store';
import { and, fieldIn, type Condition } from '../store/condition';
import { matchesCondition } from '../store/condition-eval';
import type { Page, PageQuery, ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import type { SearchRequest } from '@medplum/core';
import { trailSearchPlan, type TrailSearchPlan } from './trail-search';

/**
 * What a search reads, held to the caller's read scope (SPEC §5): every query folds the policy's
 * scope into the search criteria here, so a search, its count, its includes, its chains and a
 * patient's trail cannot be asked for without it. The repository hands one to the search executor,
 * which never holds the store or the scope itself.
 */
export class ScopedReads {
  constructor(
    private readonly store: ResourceStore,
    private readonly policy: AccessPolicy
  ) {}

  /** One page of `type` matching the criteria that the caller may find. */
  search(type: string, criteria: Condition, page: Omit<PageQuery, 'where'>, hints?: NarrowHints): Promise<Page> {
    return this.store.search(type, { ...page, where: this.findable(type, criteria, hints) });
  }

  /** How many of `type` match the criteria that the caller may find (`within` narrows further, e.g. to trail chains). */
  count(type: string, criteria: Condition, hints?: NarrowHints, within?: Condition): Promise<number> {
    const where = this.findable(type, criteria, hints);
    return this.store.count(type, within ? and(within, where) : where);
  }

  /** Resources named by id (an `_include`), as the caller may read them. */
  readMany(type: string, ids: string[]): Promise<StoredResource[]> {
    return this.store.readMany(type, ids, this.policy.readScope(type, 'r'));
  }

  /** Whether the search reads a patient's trail along its chains (trail-search.ts), judged on what the caller may find. */
  trailPlan(request: SearchRequest, baseUrl: string): TrailSearchPlan | undefined {
    return trailSearchPlan(request, this.policy.readScope(request.resourceType, 's'), baseUrl);
  }

  /** A page of a patient's trail read along its chains; an event is kept when the caller may find it and it matches. */
  trailPage(type: string, criteria: Condition, query: Omit<TrailPageQuery, 'admits'>): Promise<TrailPage> {
    const admitted = this.findable(type, criteria);
    return readTrailPage(new AuditStore(this.store.db), { ...query, admits: (doc) => !doc.del && matchesCondition(admitted, doc) });
  }

  /** The trail's events over those chains that the caller may find and that match, counted. */
  countTrail(type: string, criteria: Condition, chains: string[]): Promise<number> {
    return this.count(type, criteria, undefined, fieldIn('access.chain', chains));
  }

  private findable(type: string, criteria: Condition, hints?: NarrowHints): Condition {
    return and(criteria, this.policy.readScope(type, 's', hints));
  }
}
