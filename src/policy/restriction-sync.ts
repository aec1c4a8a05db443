import { randomUUID } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import { RESTRICTED_PENDING, type AuthorOnlyWindow } from './access-fields';
import { authorOnlyWindow } from './access-lookups';
import { SUMEHR_ENTRY_TYPES } from './resource-classes';

/**
 * Keeps the author-only window of restricted documents equal to the document-restriction Consents
 * without actor that name them (rule 6 read off the document's own sidecar, so the facts need no
 * Consent query per linked patient). Same fail-closed order as consent-sync: before the write the
 * documents are hidden from everyone but their author; after it the window comes from the stored
 * truth (also when the write failed). A crash in between hides, never shows.
 */
export function restrictedDocumentsOf(writes: PlannedWrite[]): string[] {
  const named = writes.flatMap((w) => [w.doc, w.previous].filter((d) => d?.a.kind === 'document-restriction').flatMap((d) => d?.s.data ?? []));
  return [...new Set(named)].filter((d) => /^DocumentReference\/[A-Za-z0-9\-.]{1,64}$/.test(d));
}

export async function beforeRestrictionWrite(store: ResourceStore, documents: string[], relative: Relative): Promise<void> {
  for (const document of documents) await setDocumentWindow(store, document, RESTRICTED_PENDING, relative, {}, randomUUID());
}

export async function afterRestrictionWrite(store: ResourceStore, documents: string[], relative: Relative, now: Date): Promise<void> {
  for (const document of documents) await setDocumentWindow(store, document, await authorOnlyWindow(store, document, now), relative, {}, randomUUID());
}

type Relative = (ref: string | undefined) => string | undefined;

/**
 * The document, the Binaries it governs, and a SUMEHR kept in the safe as its content (the
 * Composition and the entries, whose `document` is the Composition): all hidden alike. A resync
 * gives them a fresh `restrictionStamp`; a write opening its own window passes `onlyIf` instead.
 */
export async function setDocumentWindow(
  store: ResourceStore,
  document: string,
  authorOnly: AuthorOnlyWindow,
  relative: Relative,
  onlyIf: Record<string, string>,
  restrictionStamp?: string
): Promise<void> {
  const window = { ...authorOnly, ...(restrictionStamp ? { restrictionStamp } : {}) };
  const id = document.split('/')[1];
  await store.setAccessFieldsById('DocumentReference', id, { ...window }, onlyIf);
  await store.setAccessFields('Binary', 'document', document, { ...window }, onlyIf);
  const doc = await store.readFactById('DocumentReference', id);
  for (const composition of safeCompositionsOf(doc?.r as DocumentReference | undefined, relative)) {
    await store.setAccessFieldsById('Composition', composition.split('/')[1], { ...window }, onlyIf);
    for (const type of SUMEHR_ENTRY_TYPES) await store.setAccessFields(type, 'document', composition, { ...window }, onlyIf);
  }
}

/** The SUMEHR Compositions (`Composition/<id>`) a DocumentReference keeps in the safe as its content. */
export function safeCompositionsOf(doc: DocumentReference | undefined, relative: Relative): string[] {
  return (doc?.content ?? []).map((c) => relative(c.attachment?.url) ?? '').filter((u) => /^Composition\/[A-Za-z0-9\-.]{1,64}$/.test(u));
}
