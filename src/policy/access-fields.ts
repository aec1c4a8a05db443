import type { Resource } from '@medplum/fhirtypes';

/**
 * The access sidecar of a stored resource: the fields the access policy's conditions query.
 * Until the consent/link engine lands, the interim policy (hub-admin only) needs none.
 */
export function accessFieldsOf(_resource: Resource): Record<string, unknown> {
  return {};
}
