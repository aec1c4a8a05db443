import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN } from '../../src/vocabulary';
import { MARIE_SSIN } from '../support/personas';

/** SPEC §3/§4: a Patient has exactly one SSIN (or BIS number) in the exact naming system; one Patient per SSIN. */
let t: NetworkHub;

/** Patients stored with this number under any system, as the database holds them. */
const storedWith = async (value: string) => t.database.db.collection('Patient').countDocuments({ 'r.identifier.value': value });
const addPatient = (body: unknown) => t.as('gp-anna-peeters').post('/fhir/Patient', body);

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('Patient identity', () => {
  it('a Patient without an SSIN is a 400 and is not stored', async () => {
    const before = await t.database.db.collection('Patient').countDocuments();
    const res = await addPatient({ resourceType: 'Patient', name: [{ family: 'Sans-Numéro' }] });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Patient.identifier']);
    const other = await addPatient({ resourceType: 'Patient', identifier: [{ system: 'https://hospital.example/mrn', value: 'A-1' }] });
    expect(other.status).toBe(400);
    expect(await t.database.db.collection('Patient').countDocuments()).toBe(before);
  });

  it('the same SSIN under a look-alike system is a 400, not a second Patient', async () => {
    for (const system of [
      'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/SSIN',
      'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin/',
      'http://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin',
    ]) {
      const res = await addPatient({ resourceType: 'Patient', identifier: [{ system, value: MARIE_SSIN }] });
      expect(res.status).toBe(400);
      expect(res.body.issue[0].expression).toEqual(['Patient.identifier[0].system']);
    }
    // Beside a correct SSIN as well: a look-alike never rides along.
    const fresh = makeSsin('1990-01-01', 11);
    const mixed = await addPatient({
      resourceType: 'Patient',
      identifier: [
        { system: SSIN, value: fresh },
        { system: `${SSIN.slice(0, -4)}SSIN`, value: MARIE_SSIN },
      ],
    });
    expect(mixed.status).toBe(400);
    expect(await storedWith(MARIE_SSIN)).toBe(1);
    expect(await storedWith(fresh)).toBe(0);
  });

  it('two SSINs on one Patient is a 400', async () => {
    const res = await addPatient({
      resourceType: 'Patient',
      identifier: [
        { system: SSIN, value: makeSsin('1990-02-02', 21) },
        { system: SSIN, value: makeSsin('1990-02-02', 23) },
      ],
    });
    expect(res.status).toBe(400);
  });
});
