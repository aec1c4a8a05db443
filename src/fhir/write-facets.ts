import type { CareTeam, Consent, DocumentReference, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type { AccessFields } from '../policy/access-fields';
import type { WriteFacets } from '../policy/write-policy';
import { CONSENT_CHANNEL_EXT } from '../vocabulary';
import type { FactReads } from '../store/fact-reads';
import { holdsActiveRole } from '../policy/practitioner-registry';
import { hasContentInSafe } from './safe-content';

/** Who publishes a new version, and when: its authors' roles are judged at the request's time. */
export interface PublishingContext {
  now: Date;
  /** The publishing professional (`Practitioner/<id>`), if the caller is one. */
  self?: string;
}

/**
 * The custodian, when every author of the document holds an active PractitionerRole there: an
 * institution publishes for its own authors only (SPEC §4). Looked up only when the authors are
 * not just the publisher itself (the usual case costs nothing).
 */
async function custodianOfAllAuthors(store: FactReads, access: AccessFields, publishing: PublishingContext): Promise<string | undefined> {
  const authors = access.authors ?? [];
  const custodian = access.custodian;
  // No author at all: not the policy's to refuse, the publication rules answer it (400 naming the author).
  if (!custodian?.startsWith('Organization/') || (authors.length === 1 && authors[0] === publishing.self)) return undefined;
  const acting = await Promise.all(authors.map((a) => (a.startsWith('Practitioner/') ? holdsActiveRole(store, a, custodian, publishing.now) : false)));
  return acting.every(Boolean) ? custodian : undefined;
}

/**
 * What the write policy judges of one version (write-policy.ts WriteFacets): its access sidecar
 * plus the fields nobody changes and, for a document restriction, the authors of the documents it
 * names (read here, by the repository: the policy itself stays pure).
 */
export async function writeFacetsOf(
  store: FactReads,
  resource: Resource,
  access: AccessFields,
  relative: (ref: string | undefined) => string | undefined,
  publishing?: PublishingContext
): Promise<WriteFacets> {
  const facets: WriteFacets = { ...access };
  if (resource.resourceType === 'DocumentReference' && publishing) {
    const authorsActFor = await custodianOfAllAuthors(store, access, publishing);
    if (authorsActFor) facets.authorsActFor = authorsActFor;
    if (hasContentInSafe(resource as DocumentReference, relative)) facets.contentInSafe = true;
  }
  if (resource.resourceType === 'Consent') {
    const consent = resource as Consent;
    const channel = consent.extension?.find((e) => e.url === CONSENT_CHANNEL_EXT)?.valueCode;
    if (channel) facets.channel = channel;
    if (access.kind === 'document-restriction') {
      const documents = (consent.provision?.data ?? []).map((d) => relative(d.reference?.reference) ?? '');
      const authors: string[][] = [];
      for (const document of documents) {
        const found = document.startsWith('DocumentReference/') ? await store.readFactById('DocumentReference', document.split('/')[1]) : undefined;
        authors.push(found && found.a.patient === access.patient ? (found.a.authors ?? []) : []);
      }
      // The one who may record it is an author of every document it names.
      facets.restrictedAuthors = authors.length ? authors.reduce((a, b) => a.filter((x) => b.includes(x))) : [];
    }
  }
  if (resource.resourceType === 'RelatedPerson') facets.person = personOf(resource as RelatedPerson);
  if (resource.resourceType === 'Patient') {
    const birthDate = (resource as Patient).birthDate;
    if (birthDate) facets.birthDate = birthDate;
  }
  if (resource.resourceType === 'CareTeam') {
    const start = (resource as CareTeam).period?.start;
    if (start) facets.linkStart = start;
  }
  return facets;
}

/** Who a related person is and how they are related, as one comparable value. */
function personOf(person: RelatedPerson): string {
  const identifiers = (person.identifier ?? []).map((i) => `${i.system ?? ''}|${i.value ?? ''}`).sort();
  const relationships = (person.relationship ?? []).flatMap((r) => (r.coding ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`)).sort();
  return JSON.stringify({ identifiers, relationships });
}
