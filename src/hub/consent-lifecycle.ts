import type { CareTeam } from '@medplum/fhirtypes';
import { toStoredResource } from '../fhir/stored-form';
import { and, fieldIn } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';

/**
 * SPEC §4: revoking the hub-sharing consent ends every active therapeutic link of the patient, so
 * a later re-consent does not silently revive them. Runs after the revocation is stored (access is
 * already denied by then: rule 2); a failure here is retried by the next consent write.
 */
export async function endLinksOf(store: ResourceStore, patient: string, now: Date, baseUrl: string): Promise<number> {
  const links = await store.readFacts('CareTeam', and(fieldIn('keys.patient', [patient]), fieldIn('keys.status', ['active'])));
  for (const link of links) {
    const team = link.r as CareTeam & { id: string };
    const ended: CareTeam & { id: string } = { ...team, status: 'inactive', period: { ...team.period, end: now.toISOString() } };
    await store.write('CareTeam', toStoredResource(ended, link.v + 1, now, baseUrl, link.a), link.v);
  }
  return links.length;
}
