import { parseFhirDate } from '../../src/fhir/search-values';

describe('FHIR date ranges by precision', () => {
  it.each([
    ['2023', '2023-01-01T00:00:00.000Z', '2023-12-31T23:59:59.999Z'],
    ['2023-12', '2023-12-01T00:00:00.000Z', '2023-12-31T23:59:59.999Z'],
    ['2023-12-31', '2023-12-31T00:00:00.000Z', '2023-12-31T23:59:59.999Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z', '2026-12-31T23:59:59.999Z'],
    ['2026-11-23T10:00:00+01:00', '2026-11-23T09:00:00.000Z', '2026-11-23T09:00:00.999Z'],
  ])('%s covers %s .. %s', (value, lo, hi) => {
    const range = parseFhirDate(value);
    expect(range?.lo.toISOString()).toBe(lo);
    expect(range?.hi.toISOString()).toBe(hi);
  });

  it.each(['2023-02-29', '2023-13-01', '2023-00-10', '2023-04-31', '2023-01-01T24:00:00Z', 'yesterday', '2023-1-1'])('refuses %s', (value) => {
    expect(parseFhirDate(value)).toBeUndefined();
  });
});
