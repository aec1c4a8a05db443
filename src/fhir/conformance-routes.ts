import { allOk, notFound, OperationOutcomeError } from '@medplum/core';
import type { FhirRouteHandler, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, Parameters, Resource } from '@medplum/fhirtypes';
import { invalidRequest, message } from '../messages/message';
import { accessMatrix } from '../policy/vocabulary';
import { operationsOf } from './capability-statement';
import { getHubProfiles } from './definitions';

/** The hub's own conformance resources (profiles/*.json), served read-only (SPEC §4, §8). */
export const CONFORMANCE_TYPES = ['CodeSystem', 'ValueSet', 'StructureDefinition', 'SearchParameter', 'OperationDefinition'] as const;

export function addConformanceRoutes(router: FhirRouter, baseUrl: string): void {
  // Only the definitions of operations this process serves: the metahub's exist only in metahub mode.
  const offered = (r: Resource) => r.resourceType !== 'OperationDefinition' || operationsOf(router).some((o) => o.name === (r as { code?: string }).code);
  for (const type of CONFORMANCE_TYPES) {
    router.add('GET', type, listOf(type, baseUrl, offered), 'search-type');
    router.add('GET', `${type}/:id`, readOf(type, offered), 'read');
  }
  router.add('GET', '$access-matrix', accessMatrixOperation);
}

const profilesOf = (type: string): Resource[] => getHubProfiles().filter((r) => r.resourceType === type);

/** `GET CodeSystem` (and `?url=`): all of the hub's resources of that type; no other parameter. */
function listOf(type: string, baseUrl: string, offered: (r: Resource) => boolean): FhirRouteHandler {
  return async (req) => {
    const unknown = Object.keys(req.query).filter((k) => k !== 'url' && k !== '_count');
    if (unknown.length) throw new OperationOutcomeError(invalidRequest(message('search-parameter-unknown-for-type', { name: unknown[0], type }), unknown[0]));
    const url = req.query.url;
    const matches = profilesOf(type).filter((r) => offered(r) && (!url || (r as { url?: string }).url === url));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: matches.map((resource) => ({ fullUrl: `${baseUrl}/${type}/${resource.id}`, resource, search: { mode: 'match' } })),
    };
    return [allOk, bundle];
  };
}

function readOf(type: string, offered: (r: Resource) => boolean): FhirRouteHandler {
  return async (req) => {
    const found = profilesOf(type).find((r) => r.id === req.params.id && offered(r));
    if (!found) throw new OperationOutcomeError(notFound);
    return [allOk, found];
  };
}

/** `GET $access-matrix`: the profession × document-class matrix the policy applies, as loaded. */
const accessMatrixOperation: FhirRouteHandler = async () => {
  const matrix = accessMatrix();
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: Object.entries(matrix.classes).map(([cls, professions]) => ({
      name: 'class',
      part: [{ name: 'code', valueCode: cls }, ...professions.map((p) => ({ name: 'profession', valueCode: p }))],
    })),
  };
  return [allOk, parameters];
};
