import { created, forbidden, OperationOutcomeError, parseSearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Bundle, Composition, DocumentReference, Extension, Practitioner, Resource } from '@medplum/fhirtypes';
import type { HubRepository } from '../fhir/hub-repository';
import { relativeReference } from '../fhir/search-values';
import { SUMEHR_ENTRY_TYPES } from '../policy/resource-classes';
import { SUMEHR_DELAY_DAYS } from '../policy/vocabulary';
import { DOCUMENT_CLASS, RELEASE_RULE_EXT, SUMEHR_ACCESS_EXT, SUMEHR_LOINC } from '../vocabulary';
import { isSumehr } from './document-publication';
import { invalidRequest, message } from '../messages/message';

const LOINC = 'http://loinc.org';

/**
 * `POST Composition/$publish-sumehr` (SPEC §4), body: a FHIR document Bundle (type `document`,
 * first entry the SUMEHR Composition, then the section entries it references by fullUrl).
 * In one all-or-nothing commit the hub stores the entries (with ids of its own), the Composition,
 * and a DocumentReference for it whose content is the Composition in the hub's safe; the previous
 * current SUMEHR of the patient (as the publishing GP sees it) becomes `superseded` and the new
 * one `replaces` it. Answers 201 with the new DocumentReference.
 */
export async function publishSumehr(req: FhirRequest, repository: unknown): Promise<FhirResponse> {
  const repo = repository as HubRepository;
  const facts = repo.ctx.policy.facts;
  const self = facts.kind === 'practitioner' ? facts.self : undefined;
  if (!self) throw new OperationOutcomeError(forbidden);
  const bundle = req.body as Bundle;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'document' || !bundle.entry?.length) {
    throw new OperationOutcomeError(invalidRequest(message('sumehr-bundle-expected'), 'Bundle.type'));
  }
  const first = bundle.entry[0].resource;
  if (!first || !isSumehr(first)) {
    throw new OperationOutcomeError(invalidRequest(message('sumehr-bundle-expected'), 'Bundle.entry[0].resource'));
  }
  const patient = first.subject?.reference ? relativeReference(first.subject.reference, repo.ctx.baseUrl) : '';
  if (!patient.startsWith('Patient/')) {
    throw new OperationOutcomeError(invalidRequest(message('document-needs-subject'), 'Composition.subject'));
  }
  const authors = (first.author ?? []).map((a) => (a.reference ? relativeReference(a.reference, repo.ctx.baseUrl) : ''));
  const custodian = first.custodian ? relativeReference(first.custodian.reference ?? '', repo.ctx.baseUrl) : undefined;
  repo.assertMayOperate('publish-sumehr', { type: 'Composition', fields: { patient, authors, ...(custodian !== undefined ? { custodian } : {}) } });

  // The hub names what it stores; references between the bundle's resources follow the new ids.
  const ids = new Map<string, string>();
  const entries = bundle.entry.slice(1).map((e, i) => {
    const r = e.resource;
    if (!r || !SUMEHR_ENTRY_TYPES.has(r.resourceType)) {
      throw new OperationOutcomeError(
        invalidRequest(message('sumehr-entry-type', { types: [...SUMEHR_ENTRY_TYPES].join(', ') }), `Bundle.entry[${i + 1}].resource`)
      );
    }
    const id = repo.generateId();
    for (const key of [e.fullUrl, r.id ? `${r.resourceType}/${r.id}` : undefined]) if (key) ids.set(key, `${r.resourceType}/${id}`);
    return { ...r, id } as WithId<Resource>;
  });
  const compositionId = repo.generateId();
  if (bundle.entry[0].fullUrl) ids.set(bundle.entry[0].fullUrl, `Composition/${compositionId}`);
  const rewrite = <T>(value: T): T =>
    JSON.parse(JSON.stringify(value), (key, v) => (key === 'reference' && typeof v === 'string' && ids.has(v) ? ids.get(v) : v));
  for (const [i, entry] of entries.entries()) {
    const r = entry as { subject?: { reference?: string }; patient?: { reference?: string } };
    const of = (r.subject ?? r.patient)?.reference;
    if (!of || relativeReference(of, repo.ctx.baseUrl) !== patient) {
      throw new OperationOutcomeError(invalidRequest(message('sumehr-entry-patient'), `Bundle.entry[${i + 1}].resource`));
    }
  }

  const now = repo.ctx.now.toISOString();
  const composition = rewrite({ ...first, id: compositionId, date: first.date ?? now }) as WithId<Composition>;
  const previous = await currentSumehrs(repo, patient);
  if (previous.length) {
    composition.relatesTo = [
      ...(composition.relatesTo ?? []),
      ...previous.flatMap((d) => compositionOf(d, repo.ctx.baseUrl)).map((target) => ({ code: 'replaces' as const, targetReference: { reference: target } })),
    ];
  }
  const rule = await patientAccessRule(repo, composition, self);
  const documentReference: WithId<DocumentReference> = {
    resourceType: 'DocumentReference',
    id: repo.generateId(),
    status: 'current',
    type: { coding: [{ system: LOINC, code: SUMEHR_LOINC, display: 'Patient summary Document' }] },
    category: [{ coding: [{ system: DOCUMENT_CLASS, code: 'summary' }] }],
    subject: { reference: patient },
    date: composition.date,
    author: composition.author,
    ...(composition.custodian ? { custodian: composition.custodian } : {}),
    ...(composition.meta?.security ? { securityLabel: [{ coding: composition.meta.security }] } : {}),
    extension: [releaseExtension(rule, composition.date as string)],
    relatesTo: previous.map((d) => ({ code: 'replaces' as const, target: { reference: `DocumentReference/${d.id}` } })),
    content: [{ attachment: { contentType: 'application/fhir+json', url: `Composition/${compositionId}`, title: composition.title } }],
  };

  const written = await repo.withTransaction(async () => {
    // Entries first: they are stored fail-closed and take the SUMEHR's access when it is stored.
    for (const entry of entries) await repo.writeAuthorisedByOperation(rewrite(entry));
    await repo.writeAuthorisedByOperation(composition);
    for (const old of previous) await repo.writeAuthorisedByOperation({ ...old, status: 'superseded' });
    return repo.writeAuthorisedByOperation(documentReference);
  });
  return [created, written];
}

/** The patient's current SUMEHR DocumentReferences, as the caller sees them. */
export async function currentSumehrs(repo: HubRepository, patient: string): Promise<WithId<DocumentReference>[]> {
  const search = parseSearchRequest<DocumentReference>(
    `DocumentReference?patient=${patient}&status=current&type=${LOINC}|${SUMEHR_LOINC}&_sort=-date&_count=20`
  );
  return repo.searchResources(search);
}

export function compositionOf(doc: DocumentReference, baseUrl: string): string[] {
  return (doc.content ?? [])
    .map((c) => (c.attachment?.url ? relativeReference(c.attachment.url, baseUrl) : ''))
    .filter((u) => /^Composition\/[A-Za-z0-9\-.]{1,64}$/.test(u));
}

/** SPEC §4: the SUMEHR's own rule, else the GP's global setting, else immediate. */
async function patientAccessRule(repo: HubRepository, composition: Composition, self: string): Promise<string> {
  const own = composition.extension?.find((e) => e.url === RELEASE_RULE_EXT)?.extension?.find((e) => e.url === 'rule')?.valueCode;
  if (own) return own;
  const gp = await repo.readResource<Practitioner>('Practitioner', self.split('/')[1]).catch(() => undefined);
  return gp?.extension?.find((e) => e.url === SUMEHR_ACCESS_EXT)?.valueCode ?? 'immediate';
}

/** The DocumentReference carries the same release as its SUMEHR (a delay is 30 days after publication). */
function releaseExtension(rule: string, published: string): Extension {
  const date = rule === 'delayed' ? new Date(new Date(published).getTime() + SUMEHR_DELAY_DAYS * 86_400_000).toISOString() : undefined;
  return {
    url: RELEASE_RULE_EXT,
    extension: [{ url: 'rule', valueCode: rule === 'on-physician-release' ? 'never' : rule }, ...(date ? [{ url: 'releaseDate', valueDateTime: date }] : [])],
  };
}
