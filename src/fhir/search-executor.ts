import { formatSearchQuery, type Filter, type IncludeTarget, type SearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { keyValuesOf } from '../store/keyset';
import { fieldIn } from '../store/condition';
import type { StoredResource } from '../store/stored-resource';
import type { HubRepository } from './hub-repository';
import { withElements, withSummary } from './resource-shape';
import { compileCriteria } from './search-criteria';
import { assertSearchRequestWithinLimits } from './search-limits';
import { decodeCursor, decodeTrailCursor, DEFAULT_COUNT, encodeCursor, encodeTrailCursor, MAX_COUNT, sortKeysOf } from './search-paging';
import type { TrailSearchPlan } from './trail-search';
import type { ScopedReads } from './scoped-reads';
import { isServedType } from './served-types';
import { SSIN } from '../vocabulary';

/** Most resources an `_include`/`_revinclude` adds to one page, and most ids a chain resolves to (a cap). */
const MAX_INCLUDED = 1000;

/**
 * Runs a search for the repository's caller: criteria and the caller's read scope become one store
 * query, so entries, `total`, sorting and paging only ever count what the caller may see.
 */
export async function executeSearch(repo: HubRepository, reads: ScopedReads, original: SearchRequest): Promise<Bundle> {
  const { ctx } = repo;
  assertSearchRequestWithinLimits(original);
  // Links carry the page size really used, so a capped _count shows as capped.
  const request: SearchRequest = original.count === 0 ? original : { ...original, count: Math.min(original.count ?? DEFAULT_COUNT, MAX_COUNT) };
  const type = request.resourceType;
  const trail = reads.trailPlan(request, ctx.baseUrl);
  if (trail) return executeTrailSearch(repo, reads, request, trail);
  const { where: criteria, ignored } = await compileCriteria(type, request.filters ?? [], {
    baseUrl: ctx.baseUrl,
    lenient: ctx.lenient,
    resolveChain: (targetType, filter) => chainedIds(repo, reads, targetType, filter),
  });
  const hints = { exactSsinLookup: exactSsinLookupOf(request) };
  const countOnly = request.count === 0;
  const count = request.count ?? DEFAULT_COUNT;
  const sort = sortKeysOf(type, request.sortRules);
  // Counting is a second query over every match: done when asked for (`_total`, `_summary=count`);
  // otherwise only when the first page already holds every match, where it costs nothing.
  const countAsked = countOnly || request.total === 'accurate' || request.total === 'estimate';
  if (countOnly) {
    const total = await reads.count(type, criteria, hints);
    return { resourceType: 'Bundle', type: 'searchset', total, link: [selfLink(ctx.baseUrl, request, ignored)] };
  }

  const keyCount = sort.filter((k) => k.field !== 'id').length + 1;
  const cursor = request.cursor ? decodeCursor(request.cursor, keyCount) : undefined;
  const page = await reads.search(
    type,
    criteria,
    {
      sort,
      limit: count,
      after: cursor?.direction === 'after' ? cursor.values : undefined,
      before: cursor?.direction === 'before' ? cursor.values : undefined,
    },
    hints
  );

  const total = countAsked ? await reads.count(type, criteria, hints) : !cursor && !page.more ? page.docs.length : undefined;
  const links: BundleLink[] = [selfLink(ctx.baseUrl, request, ignored)];
  const first = page.docs[0];
  const last = page.docs[page.docs.length - 1];
  const hasNext = cursor?.direction === 'before' ? true : page.more;
  const hasPrevious = cursor?.direction === 'before' ? page.more : !!cursor;
  if (last && hasNext) {
    links.push(pageLink('next', ctx.baseUrl, request, ignored, encodeCursor({ direction: 'after', values: keyValuesOf(last, page.keys) })));
  }
  if (first && hasPrevious) {
    links.push(pageLink('previous', ctx.baseUrl, request, ignored, encodeCursor({ direction: 'before', values: keyValuesOf(first, page.keys) })));
  }

  return searchset(repo, reads, request, page.docs, links, total);
}

/**
 * A patient's audit trail read along its chains (trail-search.ts): the same Bundle as any search
 * (entries, `total` when asked or when the first page holds everything, next link, includes), each
 * event held to the caller's read scope and the other criteria. Counting, when asked, is the one
 * query over the whole trail: the events of those chains that the same condition admits.
 */
async function executeTrailSearch(repo: HubRepository, reads: ScopedReads, request: SearchRequest, plan: TrailSearchPlan): Promise<Bundle> {
  const { ctx } = repo;
  const type = request.resourceType;
  const { where: criteria, ignored } = await compileCriteria(type, plan.others, {
    baseUrl: ctx.baseUrl,
    lenient: ctx.lenient,
    resolveChain: (targetType, filter) => chainedIds(repo, reads, targetType, filter),
  });
  if (request.count === 0) {
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: await reads.countTrail(type, criteria, plan.chains),
      link: [selfLink(ctx.baseUrl, request, ignored)],
    };
  }
  const from = request.cursor ? decodeTrailCursor(request.cursor) : undefined;
  const page = await reads.trailPage(type, criteria, {
    chains: plan.chains,
    newestFirst: plan.newestFirst,
    count: request.count ?? DEFAULT_COUNT,
    from,
  });
  const countAsked = request.total === 'accurate' || request.total === 'estimate';
  const total = countAsked ? await reads.countTrail(type, criteria, plan.chains) : !from && !page.next ? page.docs.length : undefined;
  const links: BundleLink[] = [selfLink(ctx.baseUrl, request, ignored)];
  if (page.next) links.push(pageLink('next', ctx.baseUrl, request, ignored, encodeTrailCursor(page.next)));
  return searchset(repo, reads, request, page.docs, links, total);
}

/** The searchset Bundle of one page: its matches, as the caller may see them, then what they include. */
async function searchset(
  repo: HubRepository,
  reads: ScopedReads,
  request: SearchRequest,
  docs: StoredResource[],
  links: BundleLink[],
  total: number | undefined
): Promise<Bundle> {
  const type = request.resourceType;
  for (const doc of docs) repo.found(type, doc);
  const entries: BundleEntry[] = docs.map((doc) => ({
    fullUrl: `${repo.ctx.baseUrl}/${type}/${doc._id}`,
    resource: shape(repo.shown(doc.r), request),
    search: { mode: 'match' },
  }));
  entries.push(...(await includedEntries(repo, reads, docs, request)));
  return { resourceType: 'Bundle', type: 'searchset', ...(total !== undefined ? { total } : {}), link: links, entry: entries };
}

/** SPEC §5: a professional may find a Patient by exact SSIN alone (to add a patient, check consent). */
function exactSsinLookupOf(request: SearchRequest): string | undefined {
  const filters = request.filters ?? [];
  if (request.resourceType !== 'Patient' || filters.length !== 1) return undefined;
  const [f] = filters;
  const isExact = f.code === 'identifier' && f.operator === 'eq' && f.value.startsWith(`${SSIN}|`) && /^\d{11}$/.test(f.value.slice(SSIN.length + 1));
  return isExact ? f.value : undefined;
}

function shape(resource: Resource, request: SearchRequest): Resource {
  if (request.fields?.length) return withElements(resource, request.fields);
  if (request.summary) return withSummary(resource, request.summary);
  return resource;
}

/** `_include` and `_revinclude`, each read under the caller's scope for the included type. */
async function includedEntries(repo: HubRepository, reads: ScopedReads, docs: StoredResource[], request: SearchRequest): Promise<BundleEntry[]> {
  const { ctx } = repo;
  const seen = new Set(docs.map((d) => `${request.resourceType}/${d._id}`));
  const found: { type: string; doc: StoredResource }[] = [];
  for (const target of request.include ?? []) {
    if (target.resourceType !== request.resourceType) continue;
    const refs = docs.flatMap((d) => d.s[target.searchParam] ?? []);
    for (const [type, ids] of groupByType(refs, target)) {
      const included = await reads.readMany(type, ids.slice(0, MAX_INCLUDED));
      found.push(...included.map((doc) => ({ type, doc })));
    }
  }
  for (const target of request.revInclude ?? []) {
    if (!isServedType(target.resourceType)) continue;
    const refs = docs.map((d) => `${request.resourceType}/${d._id}`);
    const page = await reads.search(target.resourceType, fieldIn(`keys.${target.searchParam}`, refs), { sort: [], limit: MAX_INCLUDED });
    found.push(...page.docs.map((doc) => ({ type: target.resourceType, doc })));
  }
  const entries: BundleEntry[] = [];
  for (const { type, doc } of found) {
    const key = `${type}/${doc._id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    repo.found(type, doc);
    entries.push({ fullUrl: `${ctx.baseUrl}/${key}`, resource: repo.shown(doc.r), search: { mode: 'include' } });
  }
  return entries;
}

function groupByType(refs: string[], target: IncludeTarget): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    if (!id || !isServedType(type) || (target.targetType && target.targetType !== type)) continue;
    byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  return byType;
}

/** Ids of `targetType` matching a chained filter, searched as the same caller (same scope). */
async function chainedIds(repo: HubRepository, reads: ScopedReads, targetType: string, filter: Filter): Promise<string[]> {
  const { where } = await compileCriteria(targetType, [filter], {
    baseUrl: repo.ctx.baseUrl,
    lenient: false,
    resolveChain: () => Promise.resolve([]),
  });
  const page = await reads.search(targetType, where, { sort: [], limit: MAX_INCLUDED });
  return page.docs.map((d) => d._id);
}

function selfLink(baseUrl: string, request: SearchRequest, ignored: Filter[]): BundleLink {
  return { relation: 'self', url: searchUrl(baseUrl, request, ignored, request.cursor) };
}

function pageLink(relation: string, baseUrl: string, request: SearchRequest, ignored: Filter[], cursor: string): BundleLink {
  return { relation, url: searchUrl(baseUrl, request, ignored, cursor) };
}

function searchUrl(baseUrl: string, request: SearchRequest, ignored: Filter[], cursor: string | undefined): string {
  const filters = (request.filters ?? []).filter((f) => !ignored.includes(f));
  const countOnly = request.count === 0;
  const params = new URLSearchParams(
    formatSearchQuery({ ...request, filters, cursor, offset: undefined, count: countOnly ? undefined : request.count }).slice(1)
  );
  // Medplum's formatter writes its own `_fields`; clients expect the FHIR name back.
  const fields = params.get('_fields');
  params.delete('_fields');
  if (fields) params.set('_elements', fields);
  if (countOnly) params.set('_summary', 'count');
  const query = params.toString();
  return `${baseUrl}/${request.resourceType}${query ? `?${query}` : ''}`;
}
