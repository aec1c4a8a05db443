import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { careTeam, consentFor, documentFor, NETWORK_DATE, seed, type NetworkHub } from './network';

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

/**
 * Holds the next single write of one type at the door of the database until released: a race
 * test makes its other move while that write waits. Give `beforeWrite` to the hub's store faults.
 */
export class WriteHold {
  private held: { type: string; reached: () => void; release: Promise<void> } | undefined;

  readonly beforeWrite = async (type: string): Promise<void> => {
    const held = this.held;
    if (!held || held.type !== type) return;
    this.held = undefined;
    held.reached();
    await held.release;
  };

  next(type: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((r) => (reached = r));
    this.held = { type, reached, release: new Promise<void>((r) => (release = r)) };
    return { reached: reachedPromise, release };
  }

  clear(): void {
    this.held = undefined;
  }
}

/** Anna's referral of the patient, starting at the network date. */
export const annasReferral = (patient: string) => careTeam(patient, 'Practitioner/gp-anna-peeters', 'referral', { start: NETWORK_DATE.toISOString() });

/**
 * Twenty referrals of one patient sent at once, the first held at its write: `during` starts (a
 * revocation, say) while it waits and the others are in flight; then the first is released, at
 * once or, with `whole`, once `during` has passed whole.
 */
export async function twentyReferralsAround(
  t: NetworkHub,
  hold: WriteHold,
  patient: string,
  during: () => Promise<void>,
  { whole = false } = {}
): Promise<{ status: number }[]> {
  const first = hold.next('CareTeam');
  const creations = Array.from({ length: 20 }, () =>
    t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', annasReferral(patient))
      .then((r) => r)
  );
  await first.reached;
  const moving = during();
  if (whole) await moving;
  first.release();
  const [answers] = await Promise.all([Promise.all(creations), moving]);
  return answers;
}
