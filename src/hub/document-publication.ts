import { OperationOutcomeError } from '@medplum/core';
import type { Composition, DocumentReference, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { relativeReference } from '../fhir/search-values';
import { message, messageIssue, type Message } from '../messages/message';
import { CONFIDENTIALITY, RELEASE_RULE_EXT, SUMEHR_LOINC } from '../vocabulary';

const LOINC = 'http://loinc.org';
const RELEASE_RULES = new Set(['immediate', 'delayed', 'never', 'on-physician-release']);
/** Content kept in the hub's safe: a Binary (or the SUMEHR's Composition) of this hub. */
export const SAFE_CONTENT = /^(Binary|Composition)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * Publication rules of a DocumentReference (SPEC §4), for writes by professionals (and peer hubs
 * acting for one): what a reference must carry so that the hub can apply its access rules and
 * fetch the content. Who may publish is the access policy's (access-policy.ts practitionerWrite).
 * Every missing or invalid element is one issue of a single 400, nothing stored.
 */
export function checkDocumentPublication(doc: DocumentReference, baseUrl: string): void {
  const issues: OperationOutcomeIssue[] = [];
  const missing = (m: Message, expression: string) => issues.push(messageIssue(m, 'required', expression));
  const invalid = (m: Message, expression: string) => issues.push(messageIssue(m, 'value', expression));

  if (!doc.subject?.reference || !relativeReference(doc.subject.reference, baseUrl).startsWith('Patient/')) {
    missing(message('document-needs-subject'), 'DocumentReference.subject');
  }
  if (!doc.type?.coding?.some((c) => c.system === LOINC && c.code)) missing(message('document-needs-type'), 'DocumentReference.type');
  if (!doc.author?.some((a) => a.reference)) missing(message('document-needs-author'), 'DocumentReference.author');
  if (!doc.date) missing(message('document-needs-date'), 'DocumentReference.date');

  const urls = (doc.content ?? []).map((c) => c.attachment?.url);
  if (!urls.length || urls.some((u) => !u)) missing(message('document-needs-content-url'), 'DocumentReference.content[0].attachment.url');
  urls.forEach((url, i) => {
    if (url && !isContentUrl(url, baseUrl)) invalid(message('document-content-url-invalid'), `DocumentReference.content[${i}].attachment.url`);
  });
  // The institution that keeps the content; the hub itself keeps what is in its safe.
  const inSafe = urls.length > 0 && urls.every((u) => !!u && SAFE_CONTENT.test(relativeReference(u, baseUrl)));
  if (!inSafe && !(doc.custodian?.reference && relativeReference(doc.custodian.reference, baseUrl).startsWith('Organization/'))) {
    missing(message('document-needs-custodian'), 'DocumentReference.custodian');
  }

  (doc.securityLabel ?? []).forEach((label, i) => {
    for (const c of label.coding ?? []) {
      if (c.system === CONFIDENTIALITY && !['N', 'R', 'V'].includes(c.code ?? '')) {
        invalid(message('document-confidentiality-invalid'), `DocumentReference.securityLabel[${i}]`);
      }
    }
  });
  const release = doc.extension?.find((e) => e.url === RELEASE_RULE_EXT);
  const rule = release?.extension?.find((e) => e.url === 'rule')?.valueCode;
  if (release && !RELEASE_RULES.has(rule ?? '')) invalid(message('release-rule-unknown'), 'DocumentReference.extension');

  if (issues.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}

/** Only http(s) URLs reach the network (SSRF: no file:, ftp:, gopher: ...), or the hub's own Binary. */
export function isContentUrl(url: string, baseUrl: string): boolean {
  if (SAFE_CONTENT.test(relativeReference(url, baseUrl))) return true;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

export function isSumehr(resource: Resource): resource is Composition {
  return resource.resourceType === 'Composition' && !!(resource as Composition).type?.coding?.some((c) => c.system === LOINC && c.code === SUMEHR_LOINC);
}
