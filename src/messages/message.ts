import type { CodeableConcept, Coding, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { SH } from '../vocabulary';
import { EN, type MessageCode } from './catalog-en';

export type { MessageCode } from './catalog-en';

/** The CodeSystem of the hub's message codes (profiles/CodeSystem-message.json, generated from the catalogs). */
export const MESSAGE_SYSTEM = `${SH}/CodeSystem/message`;
/** On the message Coding, one per parameter the text interpolates: sub-extensions `name` and `value`. */
export const MESSAGE_PARAMETER_EXT = `${SH}/StructureDefinition/message-parameter`;

/** The names of the `{name}` parameters in a template, as a union of string literals. */
type ParamsOf<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | ParamsOf<Rest> : never;
type MessageArgs<C extends MessageCode> = [ParamsOf<(typeof EN)[C]>] extends [never] ? [] : [params: Record<ParamsOf<(typeof EN)[C]>, string | number>];

/** A message a rule raises: its code, the values it interpolates, and its English text. */
export interface Message {
  code: MessageCode;
  params: Record<string, string>;
  text: string;
}

/** The message `code` with its parameters; the compiler checks that the code exists and every parameter is given. */
export function message<C extends MessageCode>(code: C, ...args: MessageArgs<C>): Message {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(args[0] ?? {})) params[name] = String(value);
  return { code, params, text: interpolate(EN[code], params) };
}

/** Fills `{name}` in a template; a parameter the template does not name is ignored. */
export function interpolate(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** The `issue.details` of a message: the coded message (with its parameters) and its English text. */
export function messageDetails(m: Message): CodeableConcept {
  const parameters = Object.entries(m.params).map(([name, value]) => ({
    url: MESSAGE_PARAMETER_EXT,
    extension: [
      { url: 'name', valueString: name },
      { url: 'value', valueString: value },
    ],
  }));
  const coding: Coding = { system: MESSAGE_SYSTEM, code: m.code, ...(parameters.length ? { extension: parameters } : {}) };
  return { coding: [coding], text: m.text };
}

/** An error issue carrying a message. */
export function messageIssue(m: Message, code: OperationOutcomeIssue['code'], expression?: string): OperationOutcomeIssue {
  return { severity: 'error', code, details: messageDetails(m), ...(expression ? { expression: [expression] } : {}) };
}

/** An outcome of one error issue carrying a message; `id` is what @medplum/core's getStatus maps to a status. */
export function messageOutcome(m: Message, code: OperationOutcomeIssue['code'], expression?: string, id?: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', ...(id ? { id } : {}), issue: [messageIssue(m, code, expression)] };
}

/** The message code and parameters an issue carries, if it carries one of ours. */
export function messageOf(issue: OperationOutcomeIssue): { code: string; params: Record<string, string> } | undefined {
  const coding = issue.details?.coding?.find((c) => c.system === MESSAGE_SYSTEM && c.code);
  if (!coding?.code) return undefined;
  const params: Record<string, string> = {};
  for (const ext of coding.extension ?? []) {
    if (ext.url !== MESSAGE_PARAMETER_EXT) continue;
    const name = ext.extension?.find((e) => e.url === 'name')?.valueString;
    const value = ext.extension?.find((e) => e.url === 'value')?.valueString;
    if (name !== undefined && value !== undefined) params[name] = value;
  }
  return { code: coding.code, params };
}

/** A 400 carrying a message: @medplum/core's badRequest with the message coded. */
export function invalidRequest(m: Message, expression?: string): OperationOutcome {
  return messageOutcome(m, 'invalid', expression);
}

/** A 409 carrying a message: @medplum/core's conflict with the message coded. */
export function conflictOutcome(m: Message): OperationOutcome {
  return messageOutcome(m, 'conflict', undefined, 'conflict');
}
