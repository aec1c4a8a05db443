import { OperationOutcomeError } from '@medplum/core';
import type { Composition, DocumentReference, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { relativeReference } from '../fhir/search-values';
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
  const missing = (text: string, expression: string) => issues.push({ severity: 'error', code: 'required', details: { text }, expression: [expression] });
  const invalid = (text: string, expression: string) => issues.push({ severity: 'error', code: 'value', details: { text }, expression: [expression] });

  if (!doc.subject?.reference || !relativeReference(doc.subject.reference, baseUrl).startsWith('Patient/')) {
    missing('A published document needs its patient as subject', 'DocumentReference.subject');
  }
  if (!doc.type?.coding?.some((c) => c.system === LOINC && c.code)) missing('A published document needs a LOINC type', 'DocumentReference.type');
  if (!doc.author?.some((a) => a.reference)) missing('A published document needs an author', 'DocumentReference.author');
  if (!doc.date) missing('A published document needs a date', 'DocumentReference.date');

  const urls = (doc.content ?? []).map((c) => c.attachment?.url);
  if (!urls.length || urls.some((u) => !u)) missing('A published document needs the URL of its content', 'DocumentReference.content[0].attachment.url');
  urls.forEach((url, i) => {
    if (url && !isContentUrl(url, baseUrl))
      invalid('The content URL must be an http(s) URL of the source system or a Binary of the hub', `DocumentReference.content[${i}].attachment.url`);
  });
  // The institution that keeps the content; the hub itself keeps what is in its safe.
  const inSafe = urls.length > 0 && urls.every((u) => !!u && SAFE_CONTENT.test(relativeReference(u, baseUrl)));
  if (!inSafe && !(doc.custodian?.reference && relativeReference(doc.custodian.reference, baseUrl).startsWith('Organization/'))) {
    missing('A published document needs its custodian institution', 'DocumentReference.custodian');
  }

  (doc.securityLabel ?? []).forEach((label, i) => {
    for (const c of label.coding ?? []) {
      if (c.system === CONFIDENTIALITY && !['N', 'R', 'V'].includes(c.code ?? '')) {
        invalid('The confidentiality label of a document is N, R or V', `DocumentReference.securityLabel[${i}]`);
      }
    }
  });
  const release = doc.extension?.find((e) => e.url === RELEASE_RULE_EXT);
  const rule = release?.extension?.find((e) => e.url === 'rule')?.valueCode;
  if (release && !RELEASE_RULES.has(rule ?? '')) invalid('Unknown release rule', 'DocumentReference.extension');

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
