import type { Resource } from '@medplum/fhirtypes';
import { toStoredResource } from '../../src/fhir/stored-form';
import { computeAccessFields, type AccessLookups } from '../../src/policy/access-fields';
import type { StoredResource } from '../../src/store/stored-resource';

/**
 * Lookups for seeding a synthetic network without querying it: every patient has an active
 * hub-sharing consent and no institution or GP defaults exist (release falls back to the default delay).
 */
const SEED_LOOKUPS: AccessLookups = {
  patientHasConsent: async () => true,
  releaseDefault: async () => undefined,
  sumehrDefault: async () => undefined,
  securityContextFields: async () => undefined,
};

/** The stored form the hub writes for version 1 of `resource`: search sidecar and access sidecar. */
export async function storedFormOf(resource: Resource & { id: string }, baseUrl: string, now = new Date()): Promise<StoredResource> {
  const withMeta = { ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated: now.toISOString() } };
  const access = await computeAccessFields(withMeta, SEED_LOOKUPS);
  return toStoredResource(resource, 1, now, baseUrl, { ...access });
}
