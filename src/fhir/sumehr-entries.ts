import type { Composition } from '@medplum/fhirtypes';
import { SUMEHR_ENTRY_TYPES } from '../policy/resource-classes';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';

/**
 * After a SUMEHR Composition is written, its section entries take its access fields (they are seen
 * exactly as the SUMEHR is). Entries written in the same commit were stored fail-closed (invisible)
 * because the Composition was not yet stored; a crash before this sync hides them, never shows them.
 */
export async function syncSumehrEntries(store: ResourceStore, relative: (ref: string | undefined) => string | undefined, writes: PlannedWrite[]): Promise<void> {
  for (const w of writes.filter((w) => w.type === 'Composition' && !w.doc.del)) {
    const composition = w.doc.r as Composition;
    const fields: Record<string, unknown> = { ...w.doc.a, document: `Composition/${w.doc._id}` };
    for (const entry of entriesOf(composition, relative)) {
      const [type, id] = entry.split('/');
      const stored = await store.readFactById(type, id);
      // Only entries of the same patient: a Composition cannot lend its access to another record.
      if (stored && stored.a.patient === fields.patient) await store.setAccessFieldsById(type, id, fields);
    }
  }
}

export function entriesOf(composition: Composition, relative: (ref: string | undefined) => string | undefined): string[] {
  const refs = (composition.section ?? []).flatMap(function walk(section): string[] {
    return [...(section.entry ?? []).map((e) => relative(e.reference) ?? ''), ...(section.section ?? []).flatMap(walk)];
  });
  return [...new Set(refs)].filter((r) => SUMEHR_ENTRY_TYPES.has(r.split('/')[0]) && r.split('/').length === 2);
}
