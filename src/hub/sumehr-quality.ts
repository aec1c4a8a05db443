import { allOk, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Composition, CompositionSection, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { HubRepository } from '../fhir/hub-repository';
import { invalidRequest, message, messageDetails, type Message } from '../messages/message';

const LOINC = 'http://loinc.org';
const EMPTY_REASON = 'http://terminology.hl7.org/CodeSystem/list-empty-reason';

/**
 * The quality items of a SUMEHR (SPEC §4), each recognised by the LOINC section codes that carry
 * it (IPS / C-CDA document section codes). LOINC has no section code for contact and trusted
 * persons: that item is a section listing at least one RelatedPerson, whatever its code.
 */
export const SUMEHR_QUALITY_ITEMS: { missing: Message; loinc: string[]; entryType?: string }[] = [
  { missing: message('sumehr-lacks-contacts'), loinc: [], entryType: 'RelatedPerson' },
  { missing: message('sumehr-lacks-problems'), loinc: ['11450-4'] },
  { missing: message('sumehr-lacks-history'), loinc: ['11348-0', '47519-4'] },
  { missing: message('sumehr-lacks-risks'), loinc: ['30954-2', '29762-2', '8716-3'] },
  { missing: message('sumehr-lacks-treatments'), loinc: ['10160-0'] },
  { missing: message('sumehr-lacks-vaccinations'), loinc: ['11369-6'] },
  { missing: message('sumehr-lacks-allergies'), loinc: ['48765-2'] },
];

/**
 * One warning per missing or empty quality item. A section with entries, or with the emptyReason
 * `nilknown` ("no known allergies" is a statement in its own right), fills its item; other empty
 * reasons (not asked, unavailable, withheld) leave it empty.
 */
export function sumehrQuality(composition: Composition): OperationOutcome {
  const sections = flatten(composition.section ?? []);
  const filled = (s: CompositionSection) =>
    (s.entry?.length ?? 0) > 0 || !!s.emptyReason?.coding?.some((c) => c.system === EMPTY_REASON && c.code === 'nilknown');
  const issues: OperationOutcomeIssue[] = SUMEHR_QUALITY_ITEMS.filter(
    (item) =>
      !sections.some(
        (s) =>
          filled(s) &&
          (s.code?.coding?.some((c) => c.system === LOINC && item.loinc.includes(c.code ?? '')) ||
            (!!item.entryType && !!s.entry?.some((e) => e.reference?.split('/').slice(-2)[0] === item.entryType)))
      )
  ).map((item) => ({ severity: 'warning', code: 'incomplete', details: messageDetails(item.missing), expression: ['Composition.section'] }));
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length ? issues : [{ severity: 'information', code: 'informational', details: messageDetails(message('sumehr-complete')) }],
  };
}

/** `POST Composition/$sumehr-quality` with the Composition as body. */
export async function sumehrQualityOfBody(req: FhirRequest): Promise<FhirResponse> {
  const composition = req.body as Composition;
  if (composition?.resourceType !== 'Composition') throw new OperationOutcomeError(invalidRequest(message('composition-expected'), 'Composition'));
  return [allOk, sumehrQuality(composition)];
}

/** `POST Composition/{id}/$sumehr-quality`: a stored SUMEHR the caller sees (404 otherwise). */
export async function sumehrQualityOfStored(req: FhirRequest, repository: unknown): Promise<FhirResponse> {
  const composition = await (repository as HubRepository).readResource<Composition>('Composition', req.params.id);
  return [allOk, sumehrQuality(composition)];
}

function flatten(sections: CompositionSection[]): CompositionSection[] {
  return sections.flatMap((s) => [s, ...flatten(s.section ?? [])]);
}
