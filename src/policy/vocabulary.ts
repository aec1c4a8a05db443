import fs from 'node:fs';
import path from 'node:path';

/** Codes and systems of SPEC §10 that the policy reads. */
export const SH = 'https://sharehub.example/fhir';
export const CONSENT_KIND = `${SH}/CodeSystem/consent-kind`;
export const LINK_TYPE = `${SH}/CodeSystem/link-type`;
export const PROFESSION = `${SH}/CodeSystem/profession`;
export const DOCUMENT_CLASS = `${SH}/CodeSystem/document-class`;
export const CONSENT_CHANNEL_EXT = `${SH}/StructureDefinition/consent-channel`;
export const RELEASE_RULE_EXT = `${SH}/StructureDefinition/release-rule`;
export const RELEASE_DEFAULT_EXT = `${SH}/StructureDefinition/release-default`;
export const SUMEHR_ACCESS_EXT = `${SH}/StructureDefinition/sumehr-patient-access`;
/** On a junior doctor's Practitioner: `status` awaiting | accredited, `date` (SPEC §6). */
export const JUNIOR_ACCREDITATION_EXT = `${SH}/StructureDefinition/junior-accreditation`;
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
export const NIHII_PROFESSIONAL = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional';
export const NIHII_ORGANIZATION = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-organization';
export const CBE = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/cbe';
export const SUMEHR_LOINC = '60591-5';

export type ConsentKind = 'hub-sharing' | 'exclusion' | 'document-restriction' | 'grant';
/** Registration channels that open the patient portal (SPEC §4). */
export const PORTAL_CHANNELS = new Set(['pdf-form', 'hub-website', 'ehealth-platform']);
/** Link types that make a professional the patient's GP for `R`-labelled documents. */
export const GP_LINK_TYPES = new Set(['gp-long-term', 'gmd']);
/** Days a document waits for the patient when no rule and no institution default say otherwise. */
export const DEFAULT_RELEASE_DELAY_DAYS = 7;
/** SUMEHR `delayed`: 30 days after publication (SPEC §4). */
export const SUMEHR_DELAY_DAYS = 30;

interface AccessMatrixFile {
  classes: Record<string, string[]>;
  loincDocumentTypes: { default: string; map: Record<string, { class: string }> };
}

let matrix: AccessMatrixFile | undefined;

/** The profession × document-class matrix, data in profiles/access-matrix.json (SPEC §10). */
export function accessMatrix(): AccessMatrixFile {
  matrix ??= JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../profiles/access-matrix.json'), 'utf8')) as AccessMatrixFile;
  return matrix;
}

/** Document classes a profession may see; an unknown profession sees none (fail closed). */
export function classesFor(profession: string): string[] {
  return Object.entries(accessMatrix().classes)
    .filter(([, professions]) => professions.includes(profession))
    .map(([cls]) => cls);
}

export function classOfLoinc(code: string | undefined): string {
  const m = accessMatrix().loincDocumentTypes;
  return (code && m.map[code]?.class) || m.default;
}
