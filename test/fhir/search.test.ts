import type { Bundle, Resource } from '@medplum/fhirtypes';
import { makeSsin, ssinIdentifier } from '../../src/fhir/belgian-identifiers';
import { MECHANICS_ONLY, startTestHub, type TestHub } from '../support/test-hub';

import { LOINC } from '../support/network';
let t: TestHub;

// DocumentReference searches name the patient(s) and status (ITI-67, SPEC §8); where a test is about
// another parameter, they name every patient and every status so that they narrow nothing.
const ids = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => (e.resource as Resource).id);
const search = async (query: string) => {
  const res = await t.admin().get(`/fhir/${query}`);
  expect(res.status).toBe(200);
  return res.body as Bundle;
};

const serials: Record<string, number> = { 'p-dubois': 11, 'p-dupont': 13, 'p-peeters': 15 };
const patient = (id: string, family: string, given: string, birthDate: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id,
  name: [{ family, given: [given] }],
  birthDate,
  ...extra,
  // One SSIN each (SPEC §4), beside the identifiers the token tests search.
  identifier: [ssinIdentifier(makeSsin(birthDate, serials[id])), ...((extra.identifier as unknown[]) ?? [])],
});
const doc = (id: string, patientId: string, code: string, date: string, status = 'current') => ({
  resourceType: 'DocumentReference',
  id,
  status,
  subject: { reference: `Patient/${patientId}` },
  type: { coding: [{ system: LOINC, code }] },
  date,
  content: [{ attachment: { url: `https://source.example/${id}`, contentType: 'application/pdf' } }],
});

beforeAll(async () => {
  t = await startTestHub(MECHANICS_ONLY);
  const resources = [
    patient('p-dubois', 'Dubois', 'Marie', '1980-05-17', { gender: 'female', identifier: [{ system: 'urn:sys:a', value: 'A1' }] }),
    patient('p-dupont', 'Dupont', 'Jean', '1975-01-02', { gender: 'male', identifier: [{ system: 'urn:sys:b', value: 'A1' }] }),
    patient('p-peeters', 'Peeters', 'Ánna', '2001-12-31', { gender: 'female', identifier: [{ value: 'NOSYS' }] }),
    { resourceType: 'Patient', id: 'p-nobirth', identifier: [ssinIdentifier(makeSsin('1960-01-01', 5))], name: [{ family: 'Janssens', given: ['Luc'] }] },
    doc('d1', 'p-dubois', '11502-2', '2024-01-10T10:00:00Z'),
    doc('d2', 'p-dubois', '18842-5', '2024-03-05T08:30:00Z'),
    doc('d3', 'p-dubois', '11502-2', '2023-07-01T00:00:00Z', 'superseded'),
    doc('d4', 'p-dupont', '11502-2', '2024-02-01T12:00:00Z'),
  ];
  for (const r of resources) {
    const res = await t.admin().put(`/fhir/${r.resourceType}/${r.id}`).send(r);
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

describe('token', () => {
  it('matches code, system|code, |code and system| forms', async () => {
    expect(ids(await search('Patient?identifier=A1')).sort()).toEqual(['p-dubois', 'p-dupont']);
    expect(ids(await search('Patient?identifier=urn:sys:a|A1'))).toEqual(['p-dubois']);
    expect(ids(await search('Patient?identifier=|NOSYS'))).toEqual(['p-peeters']);
    expect(ids(await search('Patient?identifier=urn:sys:b|'))).toEqual(['p-dupont']);
    expect(ids(await search('DocumentReference?patient=p-dubois,p-dupont&status=current,superseded,entered-in-error&type=http://loinc.org|18842-5'))).toEqual([
      'd2',
    ]);
  });

  it('supports OR with commas, :not and :missing', async () => {
    expect(ids(await search('DocumentReference?patient=p-dubois,p-dupont&status=current,superseded&_sort=_id'))).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(ids(await search('DocumentReference?patient=p-dubois,p-dupont&status:not=current'))).toEqual(['d3']);
    expect(ids(await search('Patient?gender:missing=true'))).toEqual(['p-nobirth']);
    expect(ids(await search('Patient?gender:missing=false&_sort=_id'))).toEqual(['p-dubois', 'p-dupont', 'p-peeters']);
  });
});

describe('string', () => {
  it('matches by prefix ignoring case and accents, :exact and :contains', async () => {
    expect(ids(await search('Patient?name=dub'))).toEqual(['p-dubois']);
    expect(ids(await search('Patient?given=anna'))).toEqual(['p-peeters']);
    expect(ids(await search('Patient?family:exact=Dubois'))).toEqual(['p-dubois']);
    expect(ids(await search('Patient?family:exact=dubois'))).toEqual([]);
    expect(ids(await search('Patient?family:contains=pon'))).toEqual(['p-dupont']);
    expect(ids(await search('Patient?name=zzz'))).toEqual([]);
  });
});

describe('date', () => {
  it('applies eq, ge, gt, le, lt with precision ranges', async () => {
    expect(ids(await search('Patient?birthdate=1980'))).toEqual(['p-dubois']);
    expect(ids(await search('Patient?birthdate=1980-05-17'))).toEqual(['p-dubois']);
    expect(ids(await search('Patient?birthdate=ge1980-05-17&_sort=_id'))).toEqual(['p-dubois', 'p-peeters']);
    expect(ids(await search('Patient?birthdate=gt1980-05-17'))).toEqual(['p-peeters']);
    expect(ids(await search('Patient?birthdate=le1980-05-17&_sort=_id'))).toEqual(['p-dubois', 'p-dupont']);
    expect(ids(await search('Patient?birthdate=lt1980-05-17'))).toEqual(['p-dupont']);
    expect(
      ids(await search('DocumentReference?patient=p-dubois,p-dupont&status=current,superseded,entered-in-error&date=ge2024-01-01&date=lt2024-03&_sort=date'))
    ).toEqual(['d1', 'd4']);
  });

  it('refuses an invalid date with 400', async () => {
    const res = await t.admin().get('/fhir/Patient?birthdate=notadate');
    expect(res.status).toBe(400);
  });

  it('filters on _lastUpdated', async () => {
    expect(ids(await search('Patient?_lastUpdated=gt2000-01-01&_sort=_id'))).toHaveLength(4);
    expect(ids(await search('Patient?_lastUpdated=lt2000-01-01'))).toEqual([]);
  });
});

describe('reference', () => {
  it('matches Type/id, bare id, absolute URL on our base, and chains', async () => {
    expect(ids(await search('DocumentReference?status=current,superseded,entered-in-error&patient=Patient/p-dupont'))).toEqual(['d4']);
    expect(ids(await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dupont'))).toEqual(['d4']);
    expect(ids(await search('DocumentReference?status=current,superseded,entered-in-error&subject=http://localhost:8080/fhir/Patient/p-dupont'))).toEqual([
      'd4',
    ]);
    expect(ids(await search('DocumentReference?status=current,superseded,entered-in-error&patient.identifier=urn:sys:a|A1&_sort=_id'))).toEqual([
      'd1',
      'd2',
      'd3',
    ]);
  });
});

describe('result shaping', () => {
  it('sorts on several keys, ascending and descending', async () => {
    expect(ids(await search('DocumentReference?patient=p-dubois,p-dupont&status=current,superseded,entered-in-error&_sort=-date'))).toEqual([
      'd2',
      'd4',
      'd1',
      'd3',
    ]);
    expect(ids(await search('DocumentReference?patient=p-dubois,p-dupont&status=current,superseded,entered-in-error&_sort=patient,-date'))).toEqual([
      'd2',
      'd1',
      'd3',
      'd4',
    ]);
  });

  it('_summary=count returns only the total; _total=accurate counts all matches', async () => {
    const count = await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois&_summary=count');
    expect(count.total).toBe(3);
    expect(count.entry).toBeUndefined();
    expect(count.link?.[0].url).toContain('_summary=count');
    const page = await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois&_count=1&_total=accurate');
    expect(page.total).toBe(3);
    expect(page.entry).toHaveLength(1);
  });

  it('counts only when asked, or when the first page already holds every match', async () => {
    const partial = await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois&_count=1');
    expect(partial.total).toBeUndefined();
    expect(partial.link?.some((l) => l.relation === 'next')).toBe(true);
    expect((await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois&_count=1&_total=accurate')).total).toBe(3);
    expect((await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois')).total).toBe(3);
  });

  it('_elements keeps the named elements and marks the result subsetted', async () => {
    const bundle = await search('Patient?_id=p-dubois&_elements=birthDate');
    const r = bundle.entry?.[0].resource as unknown as Record<string, unknown> & { meta: { tag: { code: string }[] } };
    expect(r.birthDate).toBe('1980-05-17');
    expect(r.name).toBeUndefined();
    expect(r.meta.tag.map((x) => x.code)).toContain('SUBSETTED');
    expect(bundle.link?.[0].url).toContain('_elements=birthDate');
  });

  it('_include adds referenced resources, _revinclude adds referring ones, once each', async () => {
    const inc = await search('DocumentReference?status=current,superseded,entered-in-error&patient=p-dubois&_include=DocumentReference:subject');
    const included = inc.entry?.filter((e) => e.search?.mode === 'include').map((e) => (e.resource as Resource).id);
    expect(included).toEqual(['p-dubois']);
    const rev = await search('Patient?_id=p-dupont&_revinclude=DocumentReference:subject');
    expect(rev.entry?.map((e) => [e.search?.mode, (e.resource as Resource).id])).toEqual([
      ['match', 'p-dupont'],
      ['include', 'd4'],
    ]);
  });

  it('_count is at most 1000 (SPEC §1: a 400 beyond)', async () => {
    const largest = await search('Patient?_count=1000');
    expect(largest.link?.find((l) => l.relation === 'self')?.url).toContain('_count=1000');
    expect((await t.admin().get('/fhir/Patient?_count=5000')).status).toBe(400);
  });
});

describe('unknown parameters', () => {
  it('are a 400 naming the parameter, or ignored with Prefer: handling=lenient', async () => {
    const strict = await t.admin().get('/fhir/Patient?shoe-size=42');
    expect(strict.status).toBe(400);
    expect(strict.body.issue[0].details.text).toContain('shoe-size');
    const lenient = await t.admin().get('/fhir/Patient?shoe-size=42&_id=p-dubois').set('Prefer', 'handling=lenient');
    expect(lenient.status).toBe(200);
    expect(ids(lenient.body)).toEqual(['p-dubois']);
    expect(lenient.body.link[0].url).not.toContain('shoe-size');
  });

  it('refuses _has, which could probe data the caller may not see', async () => {
    expect((await t.admin().get('/fhir/Patient?_has:DocumentReference:subject:status=current')).status).toBe(400);
  });

  it('answers POST _search like GET, with form parameters', async () => {
    const res = await t.admin().post('/fhir/Patient/_search').set('Content-Type', 'application/x-www-form-urlencoded').send('family=Dupont');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(['p-dupont']);
  });
});
