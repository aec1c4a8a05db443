import { allOk, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Composition, DocumentReference, Extension, Organization } from '@medplum/fhirtypes';
import type { HubRepository } from '../fhir/hub-repository';
import { relativeReference } from '../fhir/search-values';
import { classOfLoinc } from '../policy/vocabulary';
import { DOCUMENT_CLASS, RELEASE_DEFAULT_EXT, RELEASE_RULE_EXT } from '../vocabulary';
import { refuse } from '../fhir/business-rule';
import { message, messageDetails } from '../messages/message';

/**
 * `POST DocumentReference/{id}/$release` (SPEC §4): the attending physician releases one document
 * that waits for physician release; the patient sees it from that instant. The attending physician
 * is a physician who sees the document and holds an active therapeutic link with its patient (its
 * own, or one of the institution it acts for) under an active consent; a grant does not make one.
 * Releasing a document already released answers it unchanged.
 */
export async function releaseDocument(req: FhirRequest, repository: unknown): Promise<FhirResponse> {
  const repo = repository as HubRepository;
  // Invisible is missing: 404 before anything else is told.
  const doc = await repo.readResource<DocumentReference>('DocumentReference', req.params.id);
  const current = await repo.visibleCurrent('DocumentReference', req.params.id);
  repo.assertMayOperate('release', { type: 'DocumentReference', fields: current.a });

  const explicit = releaseRuleExtension(doc);
  const rule = explicit?.extension?.find((e) => e.url === 'rule')?.valueCode ?? (await custodianDefaultRule(repo, doc));
  if (rule !== 'on-physician-release') refuse(message('release-needs-physician-release'), 'DocumentReference.extension');
  if (explicit?.extension?.some((e) => e.url === 'releaseDate' && e.valueDateTime)) return [allOk, doc];

  const released: Extension = {
    url: RELEASE_RULE_EXT,
    extension: [
      { url: 'rule', valueCode: 'on-physician-release' },
      { url: 'releaseDate', valueDateTime: repo.ctx.now.toISOString() },
    ],
  };
  const others = (doc.extension ?? []).filter((e) => e.url !== RELEASE_RULE_EXT);
  return [allOk, await repo.writeAuthorisedByOperation({ ...doc, extension: [...others, released] })];
}

/**
 * `POST DocumentReference/{id}/$request-deletion` (SPEC §4): its author, or a professional acting
 * for its custodian institution, ends the referencing. The document becomes entered-in-error,
 * invisible to everyone (rule 7), and every version stays in the history for the audit trail.
 * A SUMEHR's Composition goes with its DocumentReference, in the same commit.
 */
export async function requestDocumentDeletion(req: FhirRequest, repository: unknown): Promise<FhirResponse> {
  const repo = repository as HubRepository;
  const current = await repo.visibleCurrent('DocumentReference', req.params.id);
  const doc = current.r as WithId<DocumentReference>;
  repo.assertMayOperate('request-deletion', { type: 'DocumentReference', fields: current.a });

  await repo.withTransaction(async () => {
    await repo.writeAuthorisedByOperation({ ...doc, status: 'entered-in-error' });
    for (const content of doc.content ?? []) {
      const target = content.attachment?.url ? relativeReference(content.attachment.url, repo.ctx.baseUrl) : '';
      if (!target.startsWith('Composition/')) continue;
      const composition = await repo.readResource<Composition>('Composition', target.split('/')[1]).catch(() => undefined);
      if (composition) await repo.writeAuthorisedByOperation({ ...composition, status: 'entered-in-error' });
    }
  });
  return [
    {
      resourceType: 'OperationOutcome',
      id: allOk.id,
      issue: [{ severity: 'information', code: 'informational', details: messageDetails(message('document-withdrawn')) }],
    },
  ];
}

function releaseRuleExtension(doc: DocumentReference): Extension | undefined {
  return doc.extension?.find((e) => e.url === RELEASE_RULE_EXT);
}

/** The custodian's default rule for the document's class (SPEC §10 release-default), read from the registry. */
async function custodianDefaultRule(repo: HubRepository, doc: DocumentReference): Promise<string | undefined> {
  const custodian = doc.custodian?.reference ? relativeReference(doc.custodian.reference, repo.ctx.baseUrl) : undefined;
  if (!custodian?.startsWith('Organization/')) return undefined;
  const org = await repo.readResource<Organization>('Organization', custodian.split('/')[1]).catch(() => undefined);
  const docClass =
    doc.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === DOCUMENT_CLASS)?.code ??
    classOfLoinc(doc.type?.coding?.find((c) => c.system === 'http://loinc.org')?.code);
  const setting = org?.extension?.filter((e) => e.url === RELEASE_DEFAULT_EXT).find((e) => e.extension?.find((x) => x.url === 'class')?.valueCode === docClass);
  return setting?.extension?.find((x) => x.url === 'rule')?.valueCode;
}
