import type { CareTeam, Consent, Practitioner } from '@medplum/fhirtypes';
import { consentKindOf } from '../policy/access-fields';
import { NIHII_PROFESSIONAL } from '../vocabulary';
import type { PlannedWrite, StoredResource } from '../store/stored-resource';
import { toStoredResource } from './stored-form';
import { and, fieldIn } from '../store/condition';
import { VersionConflictError, type ResourceStore } from '../store/resource-store';
import { storePort } from './workflow-port';

/**
 * SPEC §4: revoking the hub-sharing consent ends every active therapeutic link of the patient, so
 * a later re-consent does not silently revive them. Runs after the revocation is stored (access is
 * already denied by then: rule 2); a failure here is retried by the next consent write.
 */
export async function endLinksOf(store: ResourceStore, patient: string, now: Date, baseUrl: string, member?: string): Promise<number> {
  const links = await store.readFacts(
    'CareTeam',
    and(fieldIn('keys.patient', [patient]), fieldIn('keys.status', ['active']), member ? fieldIn('keys.participant', [member]) : { always: true })
  );
  for (const link of links) await endLink(store, link, now, baseUrl);
  return links.length;
}

/**
 * Ends one link. Another request may change it meanwhile (a second revocation or exclusion ending
 * it too): the version claim makes one of them win, and the loser ends the newer version unless
 * that version is already ended.
 */
async function endLink(store: ResourceStore, found: StoredResource, now: Date, baseUrl: string): Promise<void> {
  let link: StoredResource | undefined = found;
  for (let attempt = 0; link && !link.del && (link.r as CareTeam).status === 'active' && attempt < 5; attempt++) {
    const team = link.r as CareTeam & { id: string };
    const ended: CareTeam & { id: string } = { ...team, status: 'inactive', period: { ...team.period, end: now.toISOString() } };
    try {
      await store.write('CareTeam', toStoredResource(ended, link.v + 1, now, baseUrl, link.a), link.v);
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      link = await store.readFactById('CareTeam', link._id);
    }
  }
}

/**
 * SPEC §4: an exclusion blocks the professional at once (rule 3); its links with the patient are
 * ended too, so that lifting the exclusion later does not silently revive them. Runs after the
 * exclusion is stored; a failure here is retried by the next write of that exclusion.
 */
export async function endLinksOfExcluded(
  store: ResourceStore,
  writes: PlannedWrite[],
  now: Date,
  baseUrl: string,
  relative: (ref: string | undefined) => string | undefined
): Promise<void> {
  for (const w of writes) {
    const consent = w.doc.r as Consent;
    if (w.doc.del || consent.resourceType !== 'Consent' || consentKindOf(consent) !== 'exclusion' || consent.status !== 'active') continue;
    const patient = relative(consent.patient?.reference);
    const member = await excludedPractitioner(store, consent, relative);
    if (patient && member) await endLinksOf(store, patient, now, baseUrl, member);
  }
}

async function excludedPractitioner(
  store: ResourceStore,
  consent: Consent,
  relative: (ref: string | undefined) => string | undefined
): Promise<string | undefined> {
  const actor = consent.provision?.actor?.[0]?.reference;
  const byReference = relative(actor?.reference);
  if (byReference?.startsWith('Practitioner/')) return byReference;
  const nihii = actor?.identifier?.system === NIHII_PROFESSIONAL ? actor.identifier.value : undefined;
  if (!nihii) return undefined;
  const found = await store.readFacts('Practitioner', fieldIn('keys.identifier', [`${NIHII_PROFESSIONAL}|${nihii}`]), 2);
  return found.length === 1 ? `Practitioner/${(found[0].r as Practitioner).id}` : undefined;
}

/**
 * A revocation ends the patient's active links, an exclusion the excluded professional's (SPEC §4),
 * once stored. A link whose rules read the consent and exclusions before that, and whose commit
 * lands after the ending ran, was missed: it is ended here, after its own commit, so that a
 * re-consent or a lifted exclusion does not revive it. Of the two writes, the later one always
 * sees the other: either the ending finds the link, or the link finds the revocation.
 */
export async function endLinksCommittedTooLate(store: ResourceStore, writes: PlannedWrite[], now: Date, baseUrl: string): Promise<void> {
  const port = storePort(store, now);
  for (const w of writes) {
    const team = w.doc.r as CareTeam;
    const patient = w.doc.a.patient;
    if (w.type !== 'CareTeam' || w.doc.del || team.status !== 'active' || typeof patient !== 'string' || !patient.startsWith('Patient/')) continue;
    if (!(await port.hasActiveConsent(patient))) {
      await endLinksOf(store, patient, now, baseUrl);
      continue;
    }
    for (const member of (w.doc.a.members ?? []).filter((m) => m.startsWith('Practitioner/'))) {
      if (await port.isExcluded(patient, member)) await endLinksOf(store, patient, now, baseUrl, member);
    }
  }
}
