import type { DocumentReference } from '@medplum/fhirtypes';
import { fieldIn } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';

/**
 * The documents that document-restriction Consents naming a professional hide from it (rule 6):
 * each restricted DocumentReference, and a SUMEHR's content in the hub's safe (`Composition/<id>`,
 * whose entries carry the same `document`), which the restriction hides too. Reads the restricted
 * DocumentReferences only when there are some.
 */
export async function documentsHiddenBy(store: ResourceStore, restrictions: StoredResource[]): Promise<Set<string>> {
  // From the search sidecar, where references are already relative to this hub (absolute forms included).
  const documents = new Set(restrictions.flatMap((r) => r.s.data ?? []));
  const ids = [...documents].filter((d) => d.startsWith('DocumentReference/')).map((d) => d.split('/')[1]);
  if (!ids.length) return documents;
  const found = await store.readFacts('DocumentReference', fieldIn('id', ids));
  const safe = found.flatMap((d) =>
    ((d.r as DocumentReference).content ?? []).map((c) => c.attachment?.url ?? '').filter((u) => /^Composition\/[A-Za-z0-9\-.]{1,64}$/.test(u))
  );
  return new Set([...documents, ...safe]);
}
