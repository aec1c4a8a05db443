import type { DocumentReference } from '@medplum/fhirtypes';
import type { PlannedWrite } from '../store/stored-resource';
import { message } from '../messages/message';
import { refuse } from './business-rule';

/** Content kept in the hub's safe: a Binary, or a SUMEHR's Composition. */
const SAFE_CONTENT = /^(Binary|Composition)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * SPEC §4: content in the safe is referenced only by the DocumentReference published together with
 * it (same ITI-65 bundle, or `$publish-sumehr`). Checked on the whole commit, since a bundle may list
 * the DocumentReference before its Binary: every safe target a DocumentReference names must be
 * created in this commit, unless the DocumentReference already named it in its previous version.
 * Otherwise anyone could point a document of theirs at another's SUMEHR and then withdraw it.
 */
export function assertSafeContentPublishedTogether(writes: PlannedWrite[], relative: (ref: string | undefined) => string | undefined): void {
  const created = new Set(writes.filter((w) => w.expectedVersion === null && !w.previous).map((w) => `${w.type}/${w.doc._id}`));
  for (const w of writes.filter((w) => w.type === 'DocumentReference' && !w.doc.del)) {
    const kept = new Set(safeTargets(w.previous?.r as DocumentReference | undefined, relative));
    for (const target of safeTargets(w.doc.r as DocumentReference, relative)) {
      if (!created.has(target) && !kept.has(target)) {
        refuse(message('safe-content-own-document'), 'DocumentReference.content.attachment.url');
      }
    }
  }
}

/** Whether any of the document's content is kept in the hub's safe (then no source institution keeps it). */
export function hasContentInSafe(doc: DocumentReference, relative: (ref: string | undefined) => string | undefined): boolean {
  return safeTargets(doc, relative).length > 0;
}

function safeTargets(doc: DocumentReference | undefined, relative: (ref: string | undefined) => string | undefined): string[] {
  return (doc?.content ?? []).map((c) => relative(c.attachment?.url) ?? '').filter((u) => SAFE_CONTENT.test(u));
}
