import { tryGetDataType } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { message, messageIssue, type Message } from '../messages/message';
import { loadDefinitions } from './definitions';
import { isForbiddenKey, MAX_JSON_DEPTH, MAX_STRING_LENGTH } from './input-limits';
import { checkNarrativeXhtml } from './narrative-xhtml';

/**
 * The JSON shape of a FHIR resource, checked against the R4 type definitions before anything else
 * reads it: every key an element of its type (or its `_element` primitive extension), every value
 * of its element's JSON type (a string for `code`, an object for `CodeableConcept`, an array where
 * the element repeats), no key that means something to JavaScript or MongoDB (`__proto__`, `_id`,
 * `$where`), strings within SPEC §1's size, narratives within FHIR's XHTML subset.
 *
 * Medplum's validator does the rest (cardinality, invariants, formats) but lets wrong JSON types
 * through (`"gender": {}`, `"scope": 42`, `"category": [42]`) and ignores these keys; some shapes
 * even make it throw plain errors. So this runs first, and the validator only on what passes.
 */
export function checkResourceStructure(value: unknown, path = ''): OperationOutcomeIssue[] {
  loadDefinitions();
  const issues: OperationOutcomeIssue[] = [];
  checkResource(value, path, 0, issues);
  return issues;
}

/**
 * Whether every problem found is a key that does not belong (unknown or forbidden), so values sit
 * where their types say and Medplum's validator may read the rest. A wrong JSON type can cost it
 * dearly: a 300 KB string where an object belongs is read as 300,000 properties.
 */
export function onlyKeyProblems(issues: OperationOutcomeIssue[]): boolean {
  return issues.every((i) => i.code === 'invalid' || i.code === 'security');
}

/** Problems that make a body unsafe for any handler to read: all but unknown elements (which the write's validation reports). */
export function unsafeProblems(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((i) => i.code !== 'invalid');
}

/** One key of a type: the JSON shape its values take. */
interface Slot {
  isArray: boolean;
  /** FHIR type code of the values (one per key, choice types are one key per type). */
  type: string;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const slotTables = new Map<string, Map<string, Slot> | undefined>();

/** Enough for a hostile body to be refused without listing every one of its thousand problems. */
const MAX_ISSUES = 20;

function checkResource(value: unknown, path: string, depth: number, issues: OperationOutcomeIssue[]): void {
  if (!isObject(value)) {
    problem(issues, path || 'Resource', message('resource-expected'));
    return;
  }
  const type = value.resourceType;
  if (typeof type !== 'string' || tryGetDataType(type)?.kind !== 'resource') {
    problem(issues, path ? `${path}.resourceType` : 'resourceType', message('resource-type-unknown'));
    return;
  }
  checkObject(value, type, path || type, depth, issues, true);
}

function checkObject(value: Record<string, unknown>, type: string, path: string, depth: number, issues: OperationOutcomeIssue[], isResource = false): void {
  if (depth > MAX_JSON_DEPTH) {
    problem(issues, path, message('nested-too-deep', { max: MAX_JSON_DEPTH }));
    return;
  }
  const slots = slotsOf(type);
  if (!slots) {
    problem(issues, path, message('type-unknown', { type }));
    return;
  }
  for (const key of Object.keys(value)) {
    if (issues.length >= MAX_ISSUES) return;
    const keyPath = `${path}.${printable(key)}`;
    if (isForbiddenKey(key)) {
      problem(issues, keyPath, message('key-not-element-name', { key: printable(key) }), 'security');
      continue;
    }
    if (key === 'resourceType' && isResource) continue;
    if (key === 'id' && isResource && !(typeof value.id === 'string' && FHIR_ID.test(value.id))) {
      // Resource ids become database keys and URL segments: FHIR's id type, nothing else.
      problem(issues, keyPath, message('resource-id-invalid'));
      continue;
    }
    const slot = slots.get(key);
    if (slot) {
      checkValues(value[key], slot, keyPath, depth, issues, primitiveExtensions(value, key, slots));
      continue;
    }
    const extended = key.startsWith('_') ? slots.get(key.slice(1)) : undefined;
    if (extended && isPrimitive(extended.type)) {
      checkValues(value[key], { isArray: extended.isArray, type: 'Element' }, keyPath, depth, issues, undefined, true);
      continue;
    }
    problem(issues, keyPath, message('element-unknown', { key: printable(key), type }), 'invalid');
  }
}

/** The `_key` array beside a repeating primitive: a null in one is allowed where the other has a value. */
function primitiveExtensions(value: Record<string, unknown>, key: string, slots: Map<string, Slot>): unknown[] | undefined {
  const slot = slots.get(key);
  if (!slot || !isPrimitive(slot.type)) return undefined;
  const ext = value[`_${key}`];
  return Array.isArray(ext) ? ext : undefined;
}

function checkValues(v: unknown, slot: Slot, path: string, depth: number, issues: OperationOutcomeIssue[], partner?: unknown[], nullable = false): void {
  if (slot.isArray) {
    if (!Array.isArray(v)) {
      problem(issues, path, message('array-expected'));
      return;
    }
    v.forEach((item, i) => {
      if (item === null && (nullable || (partner && partner[i] !== null && partner[i] !== undefined))) return;
      checkValue(item, slot.type, `${path}[${i}]`, depth + 1, issues);
    });
    return;
  }
  if (Array.isArray(v)) {
    problem(issues, path, message('single-value-expected'));
    return;
  }
  checkValue(v, slot.type, path, depth, issues);
}

function checkValue(v: unknown, type: string, path: string, depth: number, issues: OperationOutcomeIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (type === 'Resource') {
    checkResource(v, path, depth + 1, issues);
    return;
  }
  if (!isPrimitive(type)) {
    if (isObject(v)) checkObject(v, type, path, depth + 1, issues);
    else problem(issues, path, message('value-type-expected', { type, json: 'object' }));
    return;
  }
  const expected = jsonTypeOf(type);
  if (expected === 'integer' ? !Number.isInteger(v) : expected === 'number' ? !Number.isFinite(v) : typeof v !== expected) {
    problem(issues, path, message('value-type-expected', { type, json: expected }));
    return;
  }
  if (typeof v !== 'string') return;
  if (v.length > MAX_STRING_LENGTH) {
    if (!isUnboundedData(path, type)) problem(issues, path, message('string-too-long', { max: MAX_STRING_LENGTH }));
    // The validator skips long data (see withLongDataElided), so its format is checked here.
    else if (!BASE64.test(v)) problem(issues, path, message('base64-invalid'));
  } else if (type === 'xhtml') {
    for (const found of checkNarrativeXhtml(v)) problem(issues, path, message('narrative-unsafe', { problem: found }));
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `Binary.data` and `Attachment.data` (base64 content) are bounded by the body limit only (SPEC §1). */
function isUnboundedData(path: string, type: string): boolean {
  return type === 'base64Binary' && path.endsWith('.data');
}

/**
 * A copy for Medplum's validator, which refuses every string over 1 MB: the base64 content that
 * SPEC §1 lets grow to the body limit is replaced by a short stand-in (its format was checked by
 * checkResourceStructure). The resource itself is left untouched.
 */
export function withLongDataElided<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withLongDataElided(v)) as T;
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    copy[key] = key === 'data' && typeof v === 'string' && v.length > MAX_STRING_LENGTH ? 'AAAA' : withLongDataElided(v);
  }
  return copy as T;
}

function jsonTypeOf(type: string): 'boolean' | 'integer' | 'number' | 'string' {
  switch (type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      return 'integer';
    case 'decimal':
      return 'number';
    default:
      return 'string';
  }
}

/** Primitive FHIR types are spelled in lower case (`code`, `dateTime`), complex ones capitalised. */
function isPrimitive(type: string): boolean {
  return /^[a-z]/.test(type);
}

/** Keys of a type and the JSON shape of their values, from Medplum's schema; once per type. */
function slotsOf(type: string): Map<string, Slot> | undefined {
  if (slotTables.has(type)) return slotTables.get(type);
  const schema = tryGetDataType(type);
  let slots: Map<string, Slot> | undefined;
  if (schema) {
    slots = new Map();
    for (const [name, element] of Object.entries(schema.elements)) {
      const choice = name.endsWith('[x]');
      for (const { code } of element.type ?? []) {
        const key = choice ? name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1) : name;
        slots.set(key, { isArray: !!element.isArray, type: code });
      }
    }
  }
  slotTables.set(type, slots);
  return slots;
}

/** `invalid` marks an unknown element, `security` a forbidden key, `structure` a value of the wrong shape or size. */
function problem(issues: OperationOutcomeIssue[], path: string, m: Message, code: 'structure' | 'invalid' | 'security' = 'structure'): void {
  if (issues.length < MAX_ISSUES) issues.push(messageIssue(m, code, path));
}

/** A hostile key can be a megabyte long: quoted back shortened. */
function printable(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
