import { OperationOutcomeError } from '@medplum/core';
import type { FhirRouteHandler } from '@medplum/fhir-router';
import type { Binary, Bundle, BundleEntry, DocumentReference, List, Resource } from '@medplum/fhirtypes';
import { invalidRequest, message, type Message } from '../messages/message';

/** IHE MHD: the List type code that marks a submission set, and the actors the hub implements. */
export const MHD_LIST_TYPES = 'https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes';
export const MHD_IMPLEMENTATION_GUIDE = 'https://profiles.ihe.net/ITI/MHD/ImplementationGuide/ihe.iti.mhd';
export const MHD_ACTORS = [
  'https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentRecipient',
  'https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentResponder',
];

export const ONE_SUBMISSION_SET = message('mhd-one-submission-set');
export const LISTS_EVERY_DOCUMENT = message('mhd-lists-every-document');
export const SAME_SUBJECT = message('mhd-same-subject');
export const BINARY_IS_CONTENT = message('mhd-binary-is-content');

/**
 * ITI-65 Provide Document Bundle (SPEC §8): a transaction whose List is an MHD submission set.
 * The transaction engine already gives all-or-nothing, urn:uuid resolution and the per-entry
 * policy; this adds what MHD asks of a Document Recipient before anything runs: one submission
 * set that lists exactly the bundle's DocumentReferences, one subject, and Binaries that are the
 * content of those documents. A Binary without a securityContext gets its DocumentReference as
 * context, since the hub reads a Binary only under its document's policy.
 */
export function withProvideDocumentBundle(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, repo, router, options) => {
    const bundle = req.body as Bundle | undefined;
    if (!isProvideDocumentBundle(bundle)) return handler(req, repo, router, options);
    const order = checkedProcessingOrder(bundle);
    const reordered: Bundle = { ...bundle, entry: order.map((i) => (bundle.entry as BundleEntry[])[i]) };
    const [outcome, response, ...rest] = await handler({ ...req, body: reordered }, repo, router, options);
    if (response?.resourceType !== 'Bundle' || !(response as Bundle).entry) return [outcome, response, ...rest] as Awaited<ReturnType<FhirRouteHandler>>;
    // The response lists entries in the order of the request (FHIR), not the order they ran in.
    const entries = (response as Bundle).entry as BundleEntry[];
    const inRequestOrder: BundleEntry[] = new Array(entries.length);
    order.forEach((original, position) => (inRequestOrder[original] = entries[position]));
    return [outcome, { ...(response as Bundle), entry: inRequestOrder }, ...rest] as Awaited<ReturnType<FhirRouteHandler>>;
  };
}

export function isProvideDocumentBundle(bundle: Bundle | undefined): bundle is Bundle {
  return bundle?.resourceType === 'Bundle' && bundle.type === 'transaction' && (bundle.entry ?? []).some((e) => isSubmissionSet(e.resource));
}

function isSubmissionSet(resource: Resource | undefined): resource is List {
  return resource?.resourceType === 'List' && !!resource.code?.coding?.some((c) => c.system === MHD_LIST_TYPES && c.code === 'submissionset');
}

/** Validates the bundle (400 naming the entry) and returns the entry indexes in processing order. */
function checkedProcessingOrder(bundle: Bundle): number[] {
  const entries = bundle.entry ?? [];
  const at = (i: number) => `Bundle.entry[${i}].resource`;
  const indexesOf = (type: string) => entries.flatMap((e, i) => (e.resource?.resourceType === type ? [i] : []));
  const sets = entries.flatMap((e, i) => (isSubmissionSet(e.resource) ? [i] : []));
  if (sets.length !== 1) fail(ONE_SUBMISSION_SET, at(sets[1]));
  const setIndex = sets[0];
  const submissionSet = entries[setIndex].resource as List;
  const documents = indexesOf('DocumentReference');
  const documentUrls = new Map(documents.map((i) => [entries[i].fullUrl ?? '', i]));

  const listed = (submissionSet.entry ?? []).map((e) => e.item?.reference ?? '');
  const unlisted = documents.find((i) => !listed.includes(entries[i].fullUrl ?? '\u0000'));
  if (!documents.length || listed.some((ref) => !documentUrls.has(ref)) || unlisted !== undefined) {
    fail(LISTS_EVERY_DOCUMENT, `${at(setIndex)}.entry`);
  }
  const subject = submissionSet.subject?.reference;
  const otherSubject = documents.find((i) => (entries[i].resource as DocumentReference).subject?.reference !== subject);
  if (!subject || otherSubject !== undefined) fail(SAME_SUBJECT, otherSubject === undefined ? `${at(setIndex)}.subject` : `${at(otherSubject)}.subject`);

  const binaries = indexesOf('Binary');
  for (const i of binaries) {
    const url = entries[i].fullUrl;
    const owner = documents.find((d) => (entries[d].resource as DocumentReference).content?.some((c) => c.attachment?.url === url));
    const binary = entries[i].resource as Binary;
    const context = binary.securityContext?.reference;
    if (!url || owner === undefined || (context && context !== entries[owner].fullUrl)) fail(BINARY_IS_CONTENT, at(i));
    if (!context) binary.securityContext = { reference: entries[owner].fullUrl };
  }
  // A Binary's access is computed from its DocumentReference, which must be staged first.
  const isBinary = new Set(binaries);
  return [...entries.keys()].filter((i) => !isBinary.has(i)).concat(binaries);
}

function fail(m: Message, expression: string): never {
  throw new OperationOutcomeError(invalidRequest(m, expression));
}
