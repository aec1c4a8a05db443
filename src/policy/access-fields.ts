import type {
  Binary,
  Patient,
  CareTeam,
  Composition,
  Consent,
  DocumentReference,
  Extension,
  List,
  Reference,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import { DISTANT_FUTURE, DISTANT_PAST } from './fhir-values';
import { DEFAULT_RELEASE_DELAY_DAYS, SUMEHR_DELAY_DAYS, classOfLoinc } from './vocabulary';
import { CONFIDENTIALITY, CONSENT_KIND, DOCUMENT_CLASS, RELEASE_RULE_EXT, SSIN } from '../vocabulary';
import { SUMEHR_ENTRY_TYPES } from './resource-classes';
import type { AccessFields } from '../store/stored-resource';

/** The access sidecar's type is part of the stored form (store/stored-resource.ts); it is computed here. */
export type { AccessFields };

/** What computing the sidecar needs from the database; reads of registry data and facts only. */
export interface AccessLookups {
  /** Makes a reference relative to this hub (`Type/id`); other servers' URLs stay as they are. */
  relative(reference: string | undefined): string | undefined;
  /** The request time, for documents that carry no date of their own. */
  now: Date;
  consentWindow(patient: string): Promise<ConsentWindow>;
  /** The window in which restrictions without actor hide this document (`DocumentReference/<id>`). */
  authorOnlyWindow(document: string): Promise<AuthorOnlyWindow>;
  /** Institution default for a document class: SPEC §10 release-default. */
  releaseDefault(custodian: string | undefined, docClass: string): Promise<{ rule: string; delayDays?: number } | undefined>;
  /** A GP's SUMEHR default (`never` or `immediate`). */
  sumehrDefault(author: string | undefined): Promise<string | undefined>;
  /** The sidecar of the latest SUMEHR Composition listing this entry (`Type/id`) in a section, if any. */
  sumehrOf?(entry: string): Promise<AccessFields | undefined>;
  /** The sidecar of a Binary's DocumentReference (its securityContext). */
  securityContextFields(reference: string): Promise<AccessFields | undefined>;
}

export interface ConsentWindow {
  consentFrom: Date;
  consentUntil: Date;
  consentRecord: string;
}
export const NO_CONSENT: ConsentWindow = { consentFrom: DISTANT_PAST, consentUntil: DISTANT_PAST, consentRecord: '' };

export interface AuthorOnlyWindow {
  authorOnlyFrom: Date;
  authorOnlyUntil: Date;
}
export const NO_RESTRICTION: AuthorOnlyWindow = { authorOnlyFrom: DISTANT_PAST, authorOnlyUntil: DISTANT_PAST };
/** While a restriction is being written: hidden from every professional but the author (fail closed). */
export const RESTRICTED_PENDING: AuthorOnlyWindow = { authorOnlyFrom: DISTANT_PAST, authorOnlyUntil: DISTANT_FUTURE };

export async function computeAccessFields(resource: Resource, lookups: AccessLookups): Promise<AccessFields> {
  const ref = (reference: Reference | undefined) => lookups.relative(reference?.reference);
  switch (resource.resourceType) {
    case 'Patient':
      return { patient: `Patient/${resource.id}`, ssin: ssinOf(resource as Patient) };
    // Links and consents carry the patient's consent window (consent-sync keeps it), so a
    // professional's links query also tells which linked patients are consented now.
    case 'Consent': {
      const patient = ref((resource as Consent).patient);
      return { patient, kind: consentKindOf(resource as Consent), ...(await windowOf(patient, lookups)) };
    }
    case 'CareTeam': {
      const team = resource as CareTeam;
      const patient = ref(team.subject);
      return { patient, members: (team.participant ?? []).map((p) => ref(p.member)).filter(isString), ...(await windowOf(patient, lookups)) };
    }
    case 'RelatedPerson':
      return { patient: ref((resource as RelatedPerson).patient) };
    case 'DocumentReference':
      return clinical(resource, ref((resource as DocumentReference).subject), documentReferenceFields(resource as DocumentReference, lookups), lookups);
    case 'Composition':
      return clinical(resource, ref((resource as Composition).subject), compositionFields(resource as Composition, lookups), lookups);
    case 'List':
      // List.source is the author of a list (an MHD submission set's author): it may write it.
      return clinical(
        resource,
        ref((resource as List).subject),
        Promise.resolve({
          patient: ref((resource as List).subject),
          authors: [ref((resource as List).source)].filter(isString),
          class: 'other',
          label: 'N',
          current: (resource as List).status !== 'entered-in-error',
          releaseAt: DISTANT_FUTURE,
        }),
        lookups
      );
    case 'Binary': {
      const context = ref((resource as Binary).securityContext);
      // A Binary without a readable context is nobody's to read (fail closed).
      const fields = context?.startsWith('DocumentReference/') ? await lookups.securityContextFields(context) : undefined;
      return fields ? { ...fields, document: context } : { clinical: true, current: false };
    }
    default:
      return SUMEHR_ENTRY_TYPES.has(resource.resourceType) ? sumehrEntryFields(resource, lookups) : {};
  }
}

/**
 * A SUMEHR entry is seen as its SUMEHR is (its fields, with `document` = the Composition); an entry
 * no SUMEHR lists, or one filed under another patient, is nobody's to read (fail closed). The
 * SUMEHR written in the same commit sets these fields after the write (sumehr-entries.ts).
 */
async function sumehrEntryFields(resource: Resource, lookups: AccessLookups): Promise<AccessFields> {
  const r = resource as { subject?: Reference; patient?: Reference };
  const patient = lookups.relative((r.subject ?? r.patient)?.reference);
  const sumehr = await lookups.sumehrOf?.(`${resource.resourceType}/${resource.id}`);
  return sumehr && sumehr.patient === patient ? { ...sumehr } : { patient, clinical: true, current: false, class: 'summary', releaseAt: DISTANT_FUTURE };
}

/**
 * A document's own fields, its patient's consent window and its author-only window, looked up
 * together (independent reads: one round to the database, not three).
 */
async function clinical(resource: Resource, patient: string | undefined, ownFields: Promise<AccessFields>, lookups: AccessLookups): Promise<AccessFields> {
  const document = `${resource.resourceType}/${resource.id}`;
  // Only DocumentReferences are named by restrictions; a SUMEHR's Composition follows its
  // DocumentReference's window (fhir/sumehr-entries.ts), a Binary copies its context's fields.
  const [fields, window, restriction] = await Promise.all([
    ownFields,
    windowOf(patient, lookups),
    document.startsWith('DocumentReference/') ? lookups.authorOnlyWindow(document) : NO_RESTRICTION,
  ]);
  return { document, ...fields, clinical: true, ...window, ...restriction };
}

function windowOf(patient: string | undefined, lookups: AccessLookups): Promise<ConsentWindow> {
  return patient ? lookups.consentWindow(patient) : Promise.resolve(NO_CONSENT);
}

async function documentReferenceFields(doc: DocumentReference, lookups: AccessLookups): Promise<AccessFields> {
  const docClass = codeIn(doc.category, DOCUMENT_CLASS) ?? classOfLoinc(doc.type?.coding?.find((c) => c.system === 'http://loinc.org')?.code);
  const published = doc.date ? new Date(doc.date) : lookups.now;
  const release = releaseRuleOf(doc.extension);
  let releaseAt: Date;
  if (release.rule) {
    releaseAt = releaseDate(release.rule, release.date, published, DEFAULT_RELEASE_DELAY_DAYS);
  } else {
    const byDefault = await lookups.releaseDefault(lookups.relative(doc.custodian?.reference), docClass);
    releaseAt = byDefault
      ? releaseDate(byDefault.rule, undefined, published, byDefault.delayDays ?? DEFAULT_RELEASE_DELAY_DAYS)
      : addDays(published, DEFAULT_RELEASE_DELAY_DAYS);
  }
  return {
    patient: lookups.relative(doc.subject?.reference),
    authors: (doc.author ?? []).map((a) => lookups.relative(a.reference)).filter(isString),
    ...(doc.custodian?.reference ? { custodian: lookups.relative(doc.custodian.reference) } : {}),
    class: docClass,
    label: labelOf(doc.securityLabel?.flatMap((l) => l.coding ?? [])),
    current: doc.status !== 'entered-in-error',
    releaseAt,
  };
}

async function compositionFields(composition: Composition, lookups: AccessLookups): Promise<AccessFields> {
  const authors = (composition.author ?? []).map((a) => lookups.relative(a.reference)).filter(isString);
  const published = composition.date ? new Date(composition.date) : lookups.now;
  const rule = releaseRuleOf(composition.extension).rule ?? (await lookups.sumehrDefault(authors[0])) ?? 'immediate';
  return {
    patient: lookups.relative(composition.subject?.reference),
    authors,
    class: 'summary',
    label: labelOf(composition.meta?.security),
    current: composition.status !== 'entered-in-error',
    releaseAt: releaseDate(rule, undefined, published, SUMEHR_DELAY_DAYS),
  };
}

/** SPEC §4 release rules for patient access, as the instant from which the patient may see it. */
function releaseDate(rule: string, explicit: Date | undefined, published: Date, delayDays: number): Date {
  switch (rule) {
    case 'immediate':
      return DISTANT_PAST;
    case 'delayed':
      return explicit ?? addDays(published, delayDays);
    case 'on-physician-release':
      return explicit ?? DISTANT_FUTURE;
    default:
      // `never`, and any rule we do not know: never (fail closed).
      return DISTANT_FUTURE;
  }
}

function releaseRuleOf(extensions: Extension[] | undefined): { rule?: string; date?: Date } {
  const ext = extensions?.find((e) => e.url === RELEASE_RULE_EXT);
  const rule = ext?.extension?.find((e) => e.url === 'rule')?.valueCode;
  const date = ext?.extension?.find((e) => e.url === 'releaseDate')?.valueDateTime;
  return { rule, date: date ? new Date(date) : undefined };
}

function labelOf(codings: { system?: string; code?: string }[] | undefined): 'N' | 'R' | 'V' {
  const codes = (codings ?? []).filter((c) => c.system === CONFIDENTIALITY).map((c) => c.code);
  // The strictest label wins; anything else (U, L, M) is treated as normal.
  return codes.includes('V') ? 'V' : codes.includes('R') ? 'R' : 'N';
}

export function consentKindOf(consent: Consent): string | undefined {
  return codeIn(consent.category, CONSENT_KIND);
}

function codeIn(concepts: { coding?: { system?: string; code?: string }[] }[] | undefined, system: string): string | undefined {
  return concepts?.flatMap((c) => c.coding ?? []).find((c) => c.system === system)?.code;
}

function ssinOf(patient: Patient): string | undefined {
  return patient.identifier?.find((i) => i.system === SSIN)?.value;
}

function isString(s: string | undefined): s is string {
  return typeof s === 'string';
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}
