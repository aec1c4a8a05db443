import type { FhirRouter } from '@medplum/fhir-router';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { searchParametersOf } from './definitions';
import { CONFORMANCE_TYPES } from './conformance-routes';
import { registeredInteractions } from './hub-router';
import { MHD_ACTORS, MHD_IMPLEMENTATION_GUIDE } from './mhd-provide-bundle';
import { indexedParameters } from './search-index';
import { SERVED_TYPES } from './served-types';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];
const TYPE_INTERACTIONS: TypeInteraction[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];

/** Written by the hub only (SPEC §7). */
const READ_ONLY_TYPES = new Set(['AuditEvent']);
/** Ended or revoked, never deleted (SPEC §4). */
const NEVER_DELETED_TYPES = new Set(['Patient', 'Consent', 'CareTeam']);

function offered(type: string, code: TypeInteraction): boolean {
  if (READ_ONLY_TYPES.has(type)) return ['read', 'vread', 'history-instance', 'search-type'].includes(code);
  return !(code === 'delete' && NEVER_DELETED_TYPES.has(type));
}

/** Built from what is registered: the router's routes, the served types and their indexed search parameters. */
export function buildCapabilityStatement(router: FhirRouter, baseUrl: string, version: string): CapabilityStatement {
  const interactions = registeredInteractions(router);
  const resources: CapabilityStatementRestResource[] = SERVED_TYPES.map((type) => ({
    type,
    interaction: TYPE_INTERACTIONS.filter((code) => interactions.has(code) && offered(type, code)).map((code) => ({ code })),
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
    operation: operationsOf(router)
      .filter((o) => o.type === type)
      .map(({ name }) => operationEntry(name)),
    searchInclude: Object.values(searchParametersOf(type))
      .filter((p) => p.type === 'reference')
      .map((p) => `${type}:${p.code}`),
  }));
  // The hub's own conformance resources: read and list only (profiles/).
  resources.push(
    ...CONFORMANCE_TYPES.map((type): CapabilityStatementRestResource => ({
      type,
      interaction: [{ code: 'read' }, { code: 'search-type' }],
      searchParam: [{ name: 'url', type: 'uri' }],
    }))
  );
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    // IHE MHD actors (SPEC §8): ITI-65 transaction (Document Recipient), ITI-67 search and ITI-68 retrieval (Document Responder).
    instantiates: MHD_ACTORS,
    implementationGuide: [MHD_IMPLEMENTATION_GUIDE],
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
        interaction: [...(interactions.has('batch') ? [{ code: 'batch' as const }, { code: 'transaction' as const }] : [])],
        operation: operationsOf(router)
          .filter((o) => !o.type)
          .map(({ name }) => operationEntry(name)),
      },
    ],
  };
}

/** Operations served by the HTTP layer rather than the router: `$content` streams bytes (src/http/content-endpoint.ts). */
const HTTP_OPERATIONS = [{ name: 'content', type: 'DocumentReference' }];

/** Every `$operation` the hub serves, with the resource type it hangs on (none = system level). */
export function operationsOf(router: FhirRouter): { name: string; type?: string }[] {
  const seen = new Map<string, { name: string; type?: string }>(HTTP_OPERATIONS.map((o) => [`${o.type}$${o.name}`, o]));
  for (const route of router.router.routes) {
    const op = route.path.find((segment) => !segment.param && segment.value.startsWith('$'));
    if (!op) continue;
    const first = route.path[0];
    const type = first === op || first.param ? undefined : first.value;
    seen.set(`${type ?? ''}${op.value}`, { name: op.value.slice(1), type });
  }
  return [...seen.values()];
}

function operationEntry(name: string): { name: string; definition: string } {
  return { name, definition: `https://sharehub.example/fhir/OperationDefinition/${name}` };
}
