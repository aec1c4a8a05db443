import type { Resource } from '@medplum/fhirtypes';
import type { AccessFields, StoredResource } from '../store/stored-resource';
import { extractSearchFields } from './search-index';

/** The stored form of a new version: server-set meta, search sidecar, and the given access sidecar. */
export function toStoredResource(
  resource: Resource & { id: string },
  version: number,
  now: Date,
  baseUrl: string,
  access: AccessFields,
  deleted = false
): StoredResource {
  const r = {
    ...resource,
    meta: { ...resource.meta, versionId: String(version), lastUpdated: now.toISOString() },
  } as Resource & { id: string };
  return {
    _id: r.id,
    v: version,
    ts: now,
    del: deleted,
    r,
    ...extractSearchFields(r, baseUrl),
    // The driver stores `undefined` as null, which a sparse unique index (Patient SSIN) would count.
    a: Object.fromEntries(Object.entries(access).filter(([, v]) => v !== undefined)),
  };
}
