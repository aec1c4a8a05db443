import type { CodeableConcept, Extension, HumanName, Reference, Resource } from '@medplum/fhirtypes';
import type { FhirClient } from './fhir-client.js';
import { language, t, type Key } from './i18n.js';

export const SH = 'https://sharehub.example/fhir';
export const SSIN_SYSTEM = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
export const NIHII_SYSTEM = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional';
export const CONSENT_KIND = `${SH}/CodeSystem/consent-kind`;
export const LINK_TYPE = `${SH}/CodeSystem/link-type`;

export function formatDate(value: string | undefined, withTime = false): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const locale = { en: 'en-GB', fr: 'fr-BE', nl: 'nl-BE' }[language()];
  return withTime ? date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : date.toLocaleDateString(locale, { dateStyle: 'medium' });
}

export function nameText(names: HumanName[] | undefined): string {
  const name = names?.[0];
  if (!name) return '';
  return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

export function conceptText(concept: CodeableConcept | undefined): string {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? concept?.coding?.[0]?.code ?? '';
}

export function codeOf(concepts: CodeableConcept[] | CodeableConcept | undefined, system: string): string | undefined {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts] : [];
  return list.flatMap((c) => c.coding ?? []).find((c) => c.system === system)?.code;
}

export function extensionCode(extensions: Extension[] | undefined, name: string): string | undefined {
  return extensions?.find((e) => e.url === `${SH}/StructureDefinition/${name}`)?.valueCode;
}

/** A translated label for a code, or the code itself when there is no translation. */
export function label(prefix: string, code: string | undefined): string {
  if (!code) return '—';
  const key = `${prefix}.${code}` as Key;
  const text = t(key);
  return text === key ? code : text;
}

/**
 * Names of the people and institutions a resource points to, read through the API (the registry
 * is readable by every user); a reference the user may not read stays shown as a reference.
 */
export class Names {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly client: FhirClient) {}

  of(ref: Reference | undefined): Promise<string> {
    if (!ref) return Promise.resolve('—');
    if (ref.display) return Promise.resolve(ref.display);
    const reference = ref.reference ?? '';
    if (!/^(Practitioner|Patient|RelatedPerson|Organization)\/[A-Za-z0-9.-]+$/.test(reference)) return Promise.resolve(reference || '—');
    let name = this.cache.get(reference);
    if (!name) {
      name = this.client
        .read<Resource & { name?: HumanName[] | string }>(reference)
        .then((r) => (typeof r.name === 'string' ? r.name : nameText(r.name)) || reference)
        .catch(() => reference);
      this.cache.set(reference, name);
    }
    return name;
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
