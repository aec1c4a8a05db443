import fs from 'node:fs';
import path from 'node:path';

/** The policy's own constants and the access matrix; the code-system URLs are in src/vocabulary.ts. */
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
