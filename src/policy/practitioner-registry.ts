import type { Practitioner } from '@medplum/fhirtypes';
import { and, ALWAYS, or } from '../store/condition';
import type { FactReads } from '../store/fact-reads';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { CBE, JUNIOR_ACCREDITATION_EXT, NIHII_ORGANIZATION, PROFESSION } from '../vocabulary';
import { inForceAt, keyIn, readForEach } from './fact-queries';

/**
 * Rules 1 and 5: an active Practitioner whose qualifications include the token's profession; a
 * junior doctor (junior-accreditation extension) only once accredited (SPEC §6).
 */
export function isEligible(doc: StoredResource<Practitioner>, profession: string): boolean {
  const qualified = (doc.r.qualification ?? []).some((q) => q.code.coding?.some((c) => c.system === PROFESSION && c.code === profession));
  const accreditation = doc.r.extension?.find((e) => e.url === JUNIOR_ACCREDITATION_EXT);
  const accredited = !accreditation || accreditation.extension?.find((e) => e.url === 'status')?.valueCode === 'accredited';
  return doc.r.active === true && qualified && accredited;
}

/** The one active Organization with this NIHII or CBE number, as `Organization/<id>`. */
export async function activeOrganization(store: ResourceStore, organization: string | undefined): Promise<string | undefined> {
  if (!organization) return undefined;
  const orgs = await readForEach(store, 'Organization', 'identifier', [`${NIHII_ORGANIZATION}|${organization}`, `${CBE}|${organization}`], ALWAYS);
  if (orgs.length !== 1 || (orgs[0].r as { active?: boolean }).active === false) return undefined;
  return `Organization/${orgs[0]._id}`;
}

/** The practitioner acts for the institution it claims only with an active PractitionerRole there. */
export async function holdsActiveRole(store: FactReads, self: string, orgRef: string, now: Date): Promise<boolean> {
  const roles = await store.readFacts(
    'PractitionerRole',
    and(
      keyIn('practitioner', [self]),
      keyIn('organization', [orgRef]),
      keyIn('active', ['true']),
      or({ field: 'lo.date', exists: false }, inForceAt('date', now))
    ),
    1
  );
  return roles.length > 0;
}
