import type { FhirRouter } from '@medplum/fhir-router';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { searchParametersOf } from './definitions';
import { CONFORMANCE_TYPES } from './conformance-routes';
import { registeredInteractions } from './hub-router';
import { indexedParameters } from './search-index';
import { SERVED_TYPES } from './served-types';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];
const TYPE_INTERACTIONS: TypeInteraction[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];

/** Built from what is registered: the router's routes, the served types and their indexed search parameters. */
export function buildCapabilityStatement(router: FhirRouter, baseUrl: string, version: string): CapabilityStatement {
  const interactions = registeredInteractions(router);
  const resources: CapabilityStatementRestResource[] = SERVED_TYPES.map((type) => ({
    type,
    interaction: TYPE_INTERACTIONS.filter((code) => interactions.has(code)).map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: [
      { name: '_id', type: 'token' },
      { name: '_lastUpdated', type: 'date' },
      ...indexedParameters(type).map(({ param }) => ({
        name: param.code as string,
        definition: param.url,
        type: param.type as 'token',
        documentation: param.description?.split('\n')[0]?.slice(0, 200),
      })),
    ],
    searchInclude: Object.values(searchParametersOf(type))
      .filter((p) => p.type === 'reference')
      .map((p) => `${type}:${p.code}`),
  }));
  // The hub's own conformance resources: read and list only (profiles/).
  resources.push(...CONFORMANCE_TYPES.map((type): CapabilityStatementRestResource => ({ type, interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [{ name: 'url', type: 'uri' }] })));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    software: { name: 'sharehub', version },
    implementation: { description: 'sharehub health-data sharing hub', url: baseUrl },
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          description: 'Bearer JWT (RS256/ES256) with SMART v2 scopes; every read is narrowed by consent, links and release rules.',
        },
        resource: resources,
        interaction: [
          ...(interactions.has('batch') ? [{ code: 'batch' as const }, { code: 'transaction' as const }] : []),
        ],
        operation: [
          { name: 'access-matrix', definition: 'https://sharehub.example/fhir/OperationDefinition/access-matrix' },
          // Documents and SUMEHR (src/hub/document-operations.ts, src/http/document-content.ts).
          ...['content', 'release', 'request-deletion', 'publish-sumehr', 'sumehr-quality', 'summary'].map((name) => ({
            name,
            definition: `https://sharehub.example/fhir/OperationDefinition/${name}`,
          })),
        ],
      },
    ],
  };
}
