import type { Composition, DocumentReference } from '@medplum/fhirtypes';
import { SUMEHR_ENTRY_TYPES } from '../policy/resource-classes';
import { SUMEHR_LOINC } from '../vocabulary';
import type { AccessFieldLending } from '../store/fact-reads';
import type { PlannedWrite } from '../store/stored-resource';

/**
 * After a SUMEHR Composition is written, its section entries take its access fields (they are seen
 * exactly as the SUMEHR is). Entries written in the same commit were stored fail-closed (invisible)
 * because the Composition was not yet stored; a crash before this sync hides them, never shows them.
 */
export async function syncSumehrEntries(
  store: AccessFieldLending,
  relative: (ref: string | undefined) => string | undefined,
  writes: PlannedWrite[]
): Promise<void> {
  // Only a SUMEHR lends its access to its entries: any other Composition listing them lends nothing.
  for (const w of writes.filter((w) => w.type === 'Composition' && !w.doc.del && isSumehrComposition(w.doc.r as Composition))) {
    await lendToEntries(store, relative, w.doc.r as Composition, { ...w.doc.a, document: `Composition/${w.doc._id}` });
  }
  await followDocumentReferences(store, relative, writes);
}

/**
 * SPEC §4: a SUMEHR's Composition and entries are read under its DocumentReference's policy, also
 * when it changes later: a label set on (or a withdrawal of) the DocumentReference reaches them.
 * So do restrictions without actor (their author-only window); restrictions naming a professional
 * follow through the facts (a DocumentReference hidden from them hides its Composition).
 */
async function followDocumentReferences(
  store: AccessFieldLending,
  relative: (ref: string | undefined) => string | undefined,
  writes: PlannedWrite[]
): Promise<void> {
  for (const w of writes.filter((w) => w.type === 'DocumentReference')) {
    const safe = ((w.doc.r as DocumentReference).content ?? [])
      .map((c) => relative(c.attachment?.url) ?? '')
      .filter((u) => /^Composition\/[A-Za-z0-9\-.]{1,64}$/.test(u));
    for (const target of safe) {
      const composition = await store.readFactById('Composition', target.split('/')[1]);
      if (!composition || composition.a.patient !== w.doc.a.patient || !isSumehrComposition(composition.r as Composition)) continue;
      const follows = {
        label: w.doc.a.label,
        // Restrictions without actor name the DocumentReference: its author-only window hides the SUMEHR too.
        authorOnlyFrom: w.doc.a.authorOnlyFrom,
        authorOnlyUntil: w.doc.a.authorOnlyUntil,
        // The stamp the DocumentReference's write opens its window by (policy/window-convergence.ts).
        restrictionStamp: w.doc.a.restrictionStamp,
        ...(w.doc.del || w.doc.a.current === false ? { current: false } : {}),
      };
      await store.setAccessFieldsById('Composition', composition._id, follows);
      await lendToEntries(store, relative, composition.r as Composition, { ...composition.a, ...follows, document: target });
    }
  }
}

async function lendToEntries(
  store: AccessFieldLending,
  relative: (ref: string | undefined) => string | undefined,
  composition: Composition,
  fields: Record<string, unknown>
): Promise<void> {
  for (const entry of entriesOf(composition, relative)) {
    const [type, id] = entry.split('/');
    const stored = await store.readFactById(type, id);
    // Only entries of the same patient: a Composition cannot lend its access to another record.
    if (stored && stored.a.patient === fields.patient) await store.setAccessFieldsById(type, id, fields);
  }
}

export function isSumehrComposition(composition: Composition): boolean {
  return !!composition.type?.coding?.some((c) => c.system === 'http://loinc.org' && c.code === SUMEHR_LOINC);
}

export function entriesOf(composition: Composition, relative: (ref: string | undefined) => string | undefined): string[] {
  const refs = (composition.section ?? []).flatMap(function walk(section): string[] {
    return [...(section.entry ?? []).map((e) => relative(e.reference) ?? ''), ...(section.section ?? []).flatMap(walk)];
  });
  return [...new Set(refs)].filter((r) => SUMEHR_ENTRY_TYPES.has(r.split('/')[0]) && r.split('/').length === 2);
}
