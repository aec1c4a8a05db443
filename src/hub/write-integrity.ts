import type { WithId } from '@medplum/core';
import type { DocumentReference, Resource } from '@medplum/fhirtypes';
import { refuse } from '../fhir/business-rule';
import { referencesIn } from '../fhir/reference-check';
import { relativeReference } from '../fhir/search-values';
import type { WriteRuleContext } from '../fhir/write-pipeline';
import { SUMEHR_ENTRY_TYPES } from '../policy/resource-classes';
import { RELEASE_RULE_EXT } from '../vocabulary';
import type { StoredResource } from '../store/stored-resource';
import { isSumehr } from './document-publication';
import { BREAK_THE_GLASS } from './link-lifecycle';
import { message } from '../messages/message';

/**
 * Integrity rules every write passes (SPEC §4, §5), whoever may make it:
 * - the break-the-glass label is the hub's: taken from no client, on any resource (link rules add it);
 * - a SUMEHR, and its entries, are written only through `$publish-sumehr`, and no other resource
 *   references a SUMEHR's entries (it would lend them its own access, or take theirs);
 * - the release date of an `on-physician-release` document is set only by `$release`.
 * Writes made by an operation the policy allowed, and the in-process loaders, are the hub's own.
 */
export async function applyIntegrityRules(ctx: WriteRuleContext, input: WithId<Resource>, current: StoredResource | undefined): Promise<WithId<Resource>> {
  const resource = withoutBreakTheGlass(input);
  if (ctx.byOperation || ctx.policy.system) return resource;
  if (isSumehr(resource) || (current && isSumehr(current.r))) refuse(message('sumehr-publish-operation-only'), 'Composition.type');
  if (current && SUMEHR_ENTRY_TYPES.has(resource.resourceType) && String(current.a.document ?? '').startsWith('Composition/')) {
    refuse(message('sumehr-entries-by-operation-only'), resource.resourceType);
  }
  const self = `${resource.resourceType}/${resource.id}`;
  for (const { reference, path } of referencesIn(resource)) {
    const target = relativeReference(reference, ctx.baseUrl);
    if (target === self || !SUMEHR_ENTRY_TYPES.has(target.split('/')[0])) continue;
    if (await ctx.port.isSumehrEntry(target)) refuse(message('sumehr-entries-own-sumehr'), path);
  }
  return resource.resourceType === 'DocumentReference'
    ? withReleaseDateOfHub(resource as WithId<DocumentReference>, current?.r as DocumentReference | undefined)
    : resource;
}

function withoutBreakTheGlass<T extends Resource>(resource: T): T {
  const security = resource.meta?.security;
  if (!security?.some((c) => c.system === BREAK_THE_GLASS.system && c.code === BREAK_THE_GLASS.code)) return resource;
  const kept = security.filter((c) => !(c.system === BREAK_THE_GLASS.system && c.code === BREAK_THE_GLASS.code));
  const { security: _dropped, ...meta } = resource.meta ?? {};
  return { ...resource, meta: kept.length ? { ...meta, security: kept } : meta };
}

/** An on-physician-release document keeps the release date `$release` gave it, and gets none from a client. */
function withReleaseDateOfHub(doc: WithId<DocumentReference>, previous: DocumentReference | undefined): WithId<DocumentReference> {
  const release = doc.extension?.find((e) => e.url === RELEASE_RULE_EXT);
  if (release?.extension?.find((e) => e.url === 'rule')?.valueCode !== 'on-physician-release') return doc;
  const before = previous?.extension?.find((e) => e.url === RELEASE_RULE_EXT);
  const stillAwaiting = before?.extension?.find((e) => e.url === 'rule')?.valueCode === 'on-physician-release';
  const released = stillAwaiting ? before?.extension?.find((e) => e.url === 'releaseDate') : undefined;
  const rule = { ...release, extension: [...(release.extension ?? []).filter((e) => e.url !== 'releaseDate'), ...(released ? [released] : [])] };
  return { ...doc, extension: (doc.extension ?? []).map((e) => (e === release ? rule : e)) };
}
