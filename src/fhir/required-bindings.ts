import { tryGetDataType } from '@medplum/core';
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { message, messageIssue } from '../messages/message';
import { getHubProfiles, loadDefinitions } from './definitions';
import { expandValueSet } from './terminology';

/**
 * Required terminology bindings on `code` values, which Medplum's validateResource does not check.
 *
 * Every element of FHIR type `code` whose binding strength is `required` must carry a code of its
 * ValueSet: resource elements (DocumentReference.status), elements of data types wherever they
 * appear (Identifier.use, HumanName.use, ContactPoint.system, Quantity.comparator,
 * Narrative.status, ...), inside contained resources and any nested resource. The hub's own
 * extensions (profiles/StructureDefinition-*.json) bind their `valueCode`s the same way, and
 * Medplum does not apply extension profiles at all, so those are checked here from the snapshot.
 *
 * Speed: this runs on every write. The walk visits only the keys a resource actually has, using a
 * per-type table of the keys that matter (built once per type from Medplum's schema), and each
 * ValueSet is expanded once (src/fhir/terminology.ts; bindings it cannot enumerate are skipped).
 */

interface Step {
  /** ValueSet of a required binding on a `code` value under this key. */
  valueSet?: string;
  /** Complex type to walk into ('Resource' means: by the value's own resourceType). */
  child?: string;
}

interface ExtensionRule {
  valueSet: string;
  /** True when the profile allows only valueCode: any other value[x] is then a wrong value too. */
  codeOnly: boolean;
}

interface HubExtension {
  value?: ExtensionRule;
  /** Rules of sub-extensions, by their url (the slice's fixed url). */
  slices: Map<string, ExtensionRule>;
}

const plans = new Map<string, Map<string, Step>>();
let hubExtensions: Map<string, HubExtension> | undefined;

/** Every code outside its required ValueSet in the resource, as 400-ready issues with their path. */
export function checkRequiredBindings(resource: unknown): OperationOutcomeIssue[] {
  loadDefinitions();
  const issues: OperationOutcomeIssue[] = [];
  const type = resourceTypeOf(resource);
  if (type) {
    walk(resource as Record<string, unknown>, type, type, issues);
  }
  return issues;
}

function walk(value: Record<string, unknown>, type: string, path: string, issues: OperationOutcomeIssue[]): void {
  const plan = planFor(type);
  for (const key of Object.keys(value)) {
    const step = plan.get(key);
    if (!step) continue;
    const v = value[key];
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, step, `${path}.${key}[${i}]`, issues));
    } else {
      visit(v, step, `${path}.${key}`, issues);
    }
  }
  if (type === 'Extension') {
    checkHubExtension(value, path, issues);
  }
}

function visit(item: unknown, step: Step, path: string, issues: OperationOutcomeIssue[]): void {
  if (step.valueSet && typeof item === 'string') {
    checkCode(item, step.valueSet, path, issues);
  }
  if (step.child && isObject(item)) {
    const type = step.child === 'Resource' ? resourceTypeOf(item) : step.child;
    if (type) walk(item, type, path, issues);
  }
}

function checkCode(code: string, valueSet: string, path: string, issues: OperationOutcomeIssue[]): void {
  const codes = expandValueSet(valueSet);
  if (codes && !codes.has(code)) {
    issues.push(invalidCode(code, valueSet, path));
  }
}

function invalidCode(value: unknown, valueSet: string, path: string): OperationOutcomeIssue {
  const url = valueSet.split('|')[0];
  return messageIssue(message('value-not-in-value-set', { value: String(value), valueSet: url }), 'code-invalid', path);
}

/** The keys of a type that can hold a bound code or lead to one, from Medplum's type schema. */
function planFor(type: string): Map<string, Step> {
  let plan = plans.get(type);
  if (plan) return plan;
  plan = new Map();
  const schema = tryGetDataType(type);
  for (const [name, element] of Object.entries(schema?.elements ?? {})) {
    const binding = element.binding?.strength === 'required' ? element.binding.valueSet : undefined;
    const choice = name.endsWith('[x]');
    for (const { code } of element.type ?? []) {
      const key = choice ? name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1) : name;
      const step: Step = {};
      if (code === 'code' && binding) step.valueSet = binding;
      // Complex types start with a capital; primitives (code, string, System.String urls) do not.
      if (/^[A-Z]/.test(code)) step.child = code;
      if (step.valueSet || step.child) plan.set(key, step);
    }
  }
  plans.set(type, plan);
  return plan;
}

function checkHubExtension(ext: Record<string, unknown>, path: string, issues: OperationOutcomeIssue[]): void {
  const rules = typeof ext.url === 'string' ? extensionRules().get(ext.url) : undefined;
  if (!rules) return;
  if (rules.value) {
    checkExtensionValue(ext, rules.value, path, issues);
  }
  const subs = Array.isArray(ext.extension) ? ext.extension : [];
  subs.forEach((sub, i) => {
    const rule = isObject(sub) && typeof sub.url === 'string' ? rules.slices.get(sub.url) : undefined;
    if (rule && isObject(sub)) checkExtensionValue(sub, rule, `${path}.extension[${i}]`, issues);
  });
}

function checkExtensionValue(ext: Record<string, unknown>, rule: ExtensionRule, path: string, issues: OperationOutcomeIssue[]): void {
  for (const key of Object.keys(ext)) {
    if (key === 'valueCode') {
      const v = ext.valueCode;
      if (typeof v === 'string') checkCode(v, rule.valueSet, `${path}.valueCode`, issues);
    } else if (rule.codeOnly && /^value[A-Z]/.test(key)) {
      // e.g. valueString "bogus" where the profile says code: not a code of the value set either.
      issues.push(invalidCode(typeof ext[key] === 'object' ? JSON.stringify(ext[key]) : ext[key], rule.valueSet, `${path}.${key}`));
    }
  }
}

/** Required bindings on value[x] of the hub's extension definitions (top level and slices). */
function extensionRules(): Map<string, HubExtension> {
  if (hubExtensions) return hubExtensions;
  const found = new Map<string, HubExtension>();
  const definitions = getHubProfiles().filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && r.type === 'Extension');
  for (const sd of definitions) {
    const elements = sd.snapshot?.element ?? [];
    const rules: HubExtension = { slices: new Map() };
    for (const el of elements) {
      if (el.binding?.strength !== 'required' || !el.binding.valueSet || !el.id?.endsWith('.value[x]')) continue;
      const rule = { valueSet: el.binding.valueSet, codeOnly: (el.type ?? []).every((t) => t.code === 'code') };
      const slice = /^Extension\.extension:([^.]+)\.value\[x\]$/.exec(el.id)?.[1];
      if (el.id === 'Extension.value[x]') {
        rules.value = rule;
      } else if (slice) {
        const urlElement = elements.find((e) => e.id === `Extension.extension:${slice}.url`);
        rules.slices.set(urlElement?.fixedUri ?? slice, rule);
      }
    }
    if (sd.url && (rules.value || rules.slices.size)) found.set(sd.url, rules);
  }
  hubExtensions = found;
  return found;
}

function resourceTypeOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.resourceType === 'string' && tryGetDataType(value.resourceType) ? value.resourceType : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
