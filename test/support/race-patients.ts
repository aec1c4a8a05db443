import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { consentFor, documentFor, NETWORK_DATE, seed, type NetworkHub } from './network';

const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
const DAY = 86_400_000;
const daysFromNetworkDate = (days: number) => new Date(NETWORK_DATE.getTime() + days * DAY);

/**
 * A patient of its own for one race: consented for 100 days (`<id>-consent`) and holding one lab
 * result by Koen (`<id>-lab`), so that races on different patients never share a fact.
 */
export async function seedConsentedPatient(t: NetworkHub, id: string, serial: number): Promise<void> {
  await seed(t, { resourceType: 'Patient', id, birthDate: '1970-01-01', identifier: [{ system: SSIN, value: makeSsin('1970-01-01', serial) }] });
  await seed(t, consentFor(id, 'hub-sharing', { id: `${id}-consent`, channel: 'gp', period: { start: daysFromNetworkDate(-100).toISOString() } }));
  await seed(t, documentFor(id, { id: `${id}-lab`, cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
}

/** That patient's consent revoked at the network date, as hub-admin records a paper form. */
export async function revokeConsent(t: NetworkHub, patient: string): Promise<void> {
  const consent = (await t.store.readFactById('Consent', `${patient}-consent`))?.r as unknown as { provision: object };
  await seed(t, {
    ...consent,
    resourceType: 'Consent',
    status: 'inactive',
    provision: { ...consent.provision, period: { start: daysFromNetworkDate(-100).toISOString(), end: NETWORK_DATE.toISOString() } },
  });
}
