import type { Consent } from '@medplum/fhirtypes';
import type { WriteRuleContext } from '../fhir/write-pipeline';
import { relativeReference } from '../fhir/search-values';
import { consentKindOf } from '../policy/access-fields';
import type { StoredResource } from '../store/stored-resource';
import { refuse } from '../fhir/business-rule';
import { message } from '../messages/message';

/** From this age the patient registers their own consent and decides alone (SPEC §4). */
export const AGE_OF_CONSENT = 16;

/**
 * Business rules of a Consent write (SPEC §4), after the write policy said who may write it:
 * - at most one active hub-sharing consent per patient (a second one is 422: revoke, then re-consent);
 * - a patient under 16 does not write their consents themselves (no registration or revocation, no grant,
 *   no exclusion): a parent or guardian holding a grant registers or revokes the hub-sharing consent, a
 *   professional records the rest on request; from 16 the patient decides alone;
 * - the one-active rule counts the writes staged earlier in the same bundle;
 * - an exclusion names exactly one Practitioner;
 * - a professional writes anything but a new hub-sharing registration only on the patient's explicit
 *   request, recorded as Consent.verification (verified with the patient or their parent; dated by the hub).
 */
export async function checkConsentWrite(ctx: WriteRuleContext, input: Consent, current?: StoredResource): Promise<Consent> {
  const kind = consentKindOf(input);
  const patient = input.patient?.reference ? relativeReference(input.patient.reference, ctx.baseUrl) : undefined;
  let consent = input;
  if (kind === 'exclusion') {
    const actors = input.provision?.actor ?? [];
    if (actors.length !== 1 || (!actors[0].reference?.reference?.startsWith('Practitioner/') && !actors[0].reference?.identifier)) {
      refuse(message('exclusion-names-one-practitioner'), 'Consent.provision.actor');
    }
  }
  const facts = ctx.policy.facts;
  // Any consent of their own, not only hub-sharing: a grant would let anyone in, an exclusion shut their GP out.
  if (facts.kind === 'patient' && patient === facts.self) {
    const age = patient ? await ctx.port.ageOf(patient) : undefined;
    if (age !== undefined && age < AGE_OF_CONSENT) {
      refuse(message('consent-under-16-by-parent'), 'Consent.patient');
    }
  }
  if (facts.kind === 'practitioner' && !(kind === 'hub-sharing' && !current)) {
    const request = input.verification?.find((v) => v.verified && v.verifiedWith?.reference);
    if (!request) refuse(message('consent-needs-patient-request'), 'Consent.verification');
    consent = { ...input, verification: (input.verification ?? []).map((v) => (v === request ? { ...v, verificationDate: ctx.now.toISOString() } : v)) };
  }
  if (kind === 'hub-sharing' && input.status === 'active' && patient) await assertNoOtherActiveConsent(ctx, patient, input.id);
  return consent;
}

/** Stored and staged alike: a bundle registering two (or re-activating one) counts as the store would after it. */
async function assertNoOtherActiveConsent(ctx: WriteRuleContext, patient: string, id: string | undefined): Promise<void> {
  const stored = await ctx.port.activeHubSharingConsents(patient);
  const stagedConsents = ctx.stagedDocs().filter((d) => d.r.resourceType === 'Consent');
  const stagedIds = new Set(stagedConsents.map((d) => d._id));
  const activeStaged = stagedConsents.filter(
    (d) => !d.del && d.a.patient === patient && consentKindOf(d.r as Consent) === 'hub-sharing' && (d.r as Consent).status === 'active'
  );
  // A stored one revoked earlier in the bundle no longer counts; one staged active does.
  const active = [...stored.filter((c) => !stagedIds.has(c)), ...activeStaged.map((d) => d._id)];
  if (active.some((c) => c !== id)) refuse(message('consent-already-active'), 'Consent.status');
}
