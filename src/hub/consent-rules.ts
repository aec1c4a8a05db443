import type { Consent, Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../fhir/request-context';
import { relativeReference } from '../fhir/search-values';
import { consentKindOf } from '../policy/access-fields';
import { ageOn } from '../policy/facts';
import { CONSENT_KIND } from '../policy/vocabulary';
import { and, fieldIn } from '../store/condition';
import type { StoredResource } from '../store/stored-resource';
import { refuse } from './business-rule';

/** From this age the patient registers their own consent and decides alone (SPEC §4). */
export const AGE_OF_CONSENT = 16;

/**
 * Business rules of a Consent write (SPEC §4), after the write policy said who may write it:
 * - at most one active hub-sharing consent per patient (a second one is 422: revoke, then re-consent);
 * - a patient under 16 does not register or revoke their hub-sharing consent themselves: a parent or
 *   guardian holding a grant does (or a professional); from 16 the patient decides alone;
 * - an exclusion names exactly one Practitioner;
 * - a professional writes anything but a new hub-sharing registration only on the patient's explicit
 *   request, recorded as Consent.verification (verified with the patient or their parent; dated by the hub).
 */
export async function checkConsentWrite(ctx: RequestContext, input: Consent, current?: StoredResource): Promise<Consent> {
  const kind = consentKindOf(input);
  const patient = input.patient?.reference ? relativeReference(input.patient.reference, ctx.baseUrl) : undefined;
  let consent = input;
  if (kind === 'exclusion') {
    const actors = input.provision?.actor ?? [];
    if (actors.length !== 1 || !actors[0].reference?.reference?.startsWith('Practitioner/') && !actors[0].reference?.identifier) {
      refuse('An exclusion names exactly one Practitioner', 'Consent.provision.actor');
    }
  }
  const facts = ctx.policy.facts;
  if (kind === 'hub-sharing' && facts.kind === 'patient' && patient === facts.self) {
    const record = patient ? ((await ctx.store.readFactById('Patient', patient.split('/')[1]))?.r as Patient | undefined) : undefined;
    if (record?.birthDate && ageOn(record.birthDate, ctx.now) < AGE_OF_CONSENT) {
      refuse('Under 16, the consent is registered by a parent or guardian', 'Consent.patient');
    }
  }
  if (facts.kind === 'practitioner' && !(kind === 'hub-sharing' && !current)) {
    const request = input.verification?.find((v) => v.verified && v.verifiedWith?.reference);
    if (!request) refuse("A professional records this only on the patient's explicit request (Consent.verification)", 'Consent.verification');
    consent = { ...input, verification: (input.verification ?? []).map((v) => (v === request && !v.verificationDate ? { ...v, verificationDate: ctx.now.toISOString() } : v)) };
  }
  if (kind === 'hub-sharing' && input.status === 'active' && patient) await assertNoOtherActiveConsent(ctx, patient, input.id);
  return consent;
}

async function assertNoOtherActiveConsent(ctx: RequestContext, patient: string, id: string | undefined): Promise<void> {
  const active = await ctx.store.readFacts(
    'Consent',
    and(fieldIn('keys.patient', [patient]), fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]), fieldIn('keys.status', ['active'])),
    2
  );
  if (active.some((c) => c._id !== id)) refuse('The patient already has an active consent to data sharing', 'Consent.status');
}
