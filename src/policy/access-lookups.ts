import type { Consent, Organization, Practitioner } from '@medplum/fhirtypes';
import { DISTANT_FUTURE, DISTANT_PAST, parseFhirDate, relativeReference } from './fhir-values';
import { and, fieldIn } from '../store/condition';
import type { FactReads } from '../store/fact-reads';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { NO_CONSENT, NO_RESTRICTION, type AccessLookups, type AuthorOnlyWindow, type ConsentWindow } from './access-fields';
import { CONSENT_KIND, RELEASE_DEFAULT_EXT, SUMEHR_ACCESS_EXT, SUMEHR_LOINC } from '../vocabulary';

export interface LookupReaders {
  /** Staged writes of the bundle being processed, visible before they are committed. */
  staged?: (type: string, id: string) => StoredResource | undefined;
  /** Reads as the caller (for a Binary's context); without it, reads are unscoped (in-process loaders). */
  visible?: (type: string, id: string) => Promise<StoredResource | undefined>;
  /** Registry reads by id (one interaction's, shared with its other steps); without it, the store's own. */
  factById?: (type: string, id: string) => Promise<StoredResource | undefined>;
}

/** AccessLookups on the store: reads of facts and registry data, and of clinical content only as the caller. */
export function storeLookups(store: ResourceStore, baseUrl: string, now: Date, readers: LookupReaders = {}): AccessLookups {
  const staged = readers.staged ?? (() => undefined);
  const factById = readers.factById ?? ((type: string, id: string) => store.readFactById(type, id));
  const relative = (reference: string | undefined) => (reference ? relativeReference(reference, baseUrl) : undefined);
  const readOne = async (reference: string): Promise<StoredResource | undefined> => {
    const [type, id] = reference.split('/');
    if (!type || !id) return undefined;
    return staged(type, id) ?? (await factById(type, id));
  };
  return {
    relative,
    now,
    consentWindow: (patient) => hubSharingWindow(store, patient),
    authorOnlyWindow: (document) => authorOnlyWindow(store, document, now),
    async releaseDefault(custodian, docClass) {
      const org = custodian ? ((await readOne(custodian))?.r as Organization | undefined) : undefined;
      const setting = org?.extension
        ?.filter((e) => e.url === RELEASE_DEFAULT_EXT)
        .find((e) => e.extension?.find((x) => x.url === 'class')?.valueCode === docClass);
      const rule = setting?.extension?.find((x) => x.url === 'rule')?.valueCode;
      return rule ? { rule, delayDays: setting?.extension?.find((x) => x.url === 'delayDays')?.valueInteger } : undefined;
    },
    async sumehrDefault(author) {
      const gp = author ? ((await readOne(author))?.r as Practitioner | undefined) : undefined;
      return gp?.extension?.find((e) => e.url === SUMEHR_ACCESS_EXT)?.valueCode;
    },
    async sumehrOf(entry) {
      // Entries are listed by reference in Composition.section.entry (search parameter `entry`).
      // Only a SUMEHR lends its access to the entries it lists: another Composition naming them lends nothing.
      const listing = await store.readFacts('Composition', and(fieldIn('keys.entry', [entry]), fieldIn('keys.type', [`http://loinc.org|${SUMEHR_LOINC}`])));
      const latest = listing.filter((c) => c.a.current === true).sort((a, b) => b.ts.getTime() - a.ts.getTime())[0];
      return latest?.a;
    },
    async securityContextFields(reference) {
      const [type, id] = reference.split('/');
      const doc = readers.visible ? (staged(type, id) ?? (await readers.visible(type, id))) : await readOne(reference);
      return doc?.a;
    },
  };
}

/**
 * Rule 2's fact for the sidecar: the period of the patient's active hub-sharing consent (at most
 * one is active, SPEC §4). Kept as dates so an end in the future is enforced by the query at its
 * time, not by a job.
 */
export async function hubSharingWindow(store: FactReads, patient: string): Promise<ConsentWindow> {
  const [active] = await store.readFacts(
    'Consent',
    and(fieldIn('keys.patient', [patient]), fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]), fieldIn('keys.status', ['active'])),
    1
  );
  return active ? consentWindowOf(active._id, active.r as Consent) : NO_CONSENT;
}

/** The window an active hub-sharing consent opens (also for a bulk loader that knows the consent it writes). */
export function consentWindowOf(id: string, consent: Consent): ConsentWindow {
  const period = consent.provision?.period;
  // A date-only end lasts to the end of that day, as in the search sidecar and the facts.
  const from = period?.start ? parseFhirDate(period.start)?.lo : DISTANT_PAST;
  const until = period?.end ? parseFhirDate(period.end)?.hi : DISTANT_FUTURE;
  return from && until ? { consentFrom: from, consentUntil: until, consentRecord: `Consent/${id}` } : NO_CONSENT;
}

/**
 * Rule 6's fact for the sidecar: when the active document-restriction Consents without actor that
 * name this DocumentReference hide it from every professional but its author. Kept as dates so a
 * time-bounded restriction starts and ends by the query at its time, not by a job. Several windows
 * become their hull (windows already over at `now` are left out): between two disjoint restrictions
 * the document stays hidden, the fail-closed side of an exact union the query could not express.
 */
export async function authorOnlyWindow(store: ResourceStore, document: string, now: Date): Promise<AuthorOnlyWindow> {
  const restrictions = await store.readFacts(
    'Consent',
    and(fieldIn('keys.data', [document]), fieldIn('keys.category', [`${CONSENT_KIND}|document-restriction`]), fieldIn('keys.status', ['active']))
  );
  const windows = restrictions
    .filter((c) => !c.s.actor && !c.s['actor:identifier'])
    // The search sidecar's range of provision.period (a date-only end lasts to the end of that day).
    .map((c) => ({ from: c.dl?.period ?? DISTANT_PAST, until: c.dh?.period ?? DISTANT_FUTURE }))
    .filter((w) => w.until.getTime() >= now.getTime());
  if (!windows.length) return NO_RESTRICTION;
  return {
    authorOnlyFrom: new Date(Math.min(...windows.map((w) => w.from.getTime()))),
    authorOnlyUntil: new Date(Math.max(...windows.map((w) => w.until.getTime()))),
  };
}
