import fc from 'fast-check';
import type { Organization, Patient, Practitioner } from '@medplum/fhirtypes';
import {
  checkBelgianIdentifiers,
  isValidCbe,
  isValidNihii,
  isValidSsin,
  makeCbe,
  makeSsin,
  ssinCheckDigits,
  ssinIdentifier,
} from '../../src/fhir/belgian-identifiers';
import {
  CBE as CBE_SYSTEM,
  NIHII_ORGANIZATION as NIHII_ORGANIZATION_SYSTEM,
  NIHII_PROFESSIONAL as NIHII_PROFESSIONAL_SYSTEM,
  SSIN as SSIN_SYSTEM,
} from '../../src/vocabulary';

/** Every number that differs from `s` in exactly one digit. */
function singleDigitChanges(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    for (const d of '0123456789') {
      if (d !== s[i]) out.push(s.slice(0, i) + d + s.slice(i + 1));
    }
  }
  return out;
}

const birthDate = fc
  .record({ year: fc.integer({ min: 1900, max: 2099 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) })
  .map(({ year, month, day }) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
const serial = fc.integer({ min: 1, max: 997 });
const bisOffset = fc.constantFrom<0 | 20 | 40>(0, 20, 40);

describe('isValidSsin', () => {
  it.each([
    ['85073003328', 'born 1985'],
    ['16051400275', 'born 2016: check digits computed with the 2 prefix'],
    ['85010101697', 'first 9 digits divisible by 97: check digits 97'],
    ['90231201527', 'BIS number, month + 20'],
    ['70510212491', 'BIS number, month + 40'],
    ['00000000097', 'unknown birth date (month and day 00)'],
  ])('accepts %s (%s)', (ssin) => {
    expect(isValidSsin(ssin)).toBe(true);
  });

  it.each([
    ['85073003327', 'wrong check digits'],
    ['8507300332', 'too short'],
    ['850730033280', 'too long'],
    ['85O73003328', 'a letter'],
    ['85.07.30-033.28', 'punctuation'],
    ['', 'empty'],
    ['85133003370', 'month 13, check digits otherwise right'],
    ['85533003359', 'month 53 (beyond BIS + 40), check digits otherwise right'],
  ])('rejects %s (%s)', (ssin) => {
    expect(isValidSsin(ssin)).toBe(false);
  });

  it('validates a post-2000 birth only through the 2-prefixed rule', () => {
    expect(ssinCheckDigits('160514002', false)).toBe(46);
    expect(ssinCheckDigits('160514002', true)).toBe(75);
    expect(ssinCheckDigits('851330033', false)).toBe(70);
  });

  it('makeSsin always yields a valid SSIN', () => {
    fc.assert(
      fc.property(birthDate, serial, bisOffset, (date, n, bis) => {
        const ssin = makeSsin(date, n, bis);
        return ssin.length === 11 && isValidSsin(ssin) && ssin.startsWith(date.slice(2, 4));
      })
    );
  });

  it('a single-digit change fails the rule the number was made with, and at most 10 of the 99 changes pass at all', () => {
    fc.assert(
      fc.property(birthDate, serial, bisOffset, (date, n, bis) => {
        const from2000 = Number(date.slice(0, 4)) >= 2000;
        const changes = singleDigitChanges(makeSsin(date, n, bis));
        const sameRule = changes.filter((c) => Number(c.slice(9)) === ssinCheckDigits(c.slice(0, 9), from2000));
        // Only the other century's rule can accept a change: at most one new value per digit
        // position matches it, because two values at one position differ by less than 97.
        const stillValid = changes.filter(isValidSsin);
        const otherRuleOnly = stillValid.every((c) => Number(c.slice(9)) === ssinCheckDigits(c.slice(0, 9), !from2000));
        return sameRule.length === 0 && otherRuleOnly && stillValid.length <= 10;
      })
    );
  });

  it('makeSsin rejects malformed input', () => {
    expect(() => makeSsin('1985/07/30', 1)).toThrow();
    expect(() => makeSsin('1985-07-30', 0)).toThrow();
    expect(() => makeSsin('1985-07-30', 998)).toThrow();
  });
});

describe('isValidNihii', () => {
  it('requires exactly 11 digits', () => {
    expect(isValidNihii('10012345003')).toBe(true);
    expect(isValidNihii('1001234500')).toBe(false);
    expect(isValidNihii('100123450031')).toBe(false);
    expect(isValidNihii('1001234500A')).toBe(false);
    expect(isValidNihii(' 10012345003')).toBe(false);
  });
});

describe('isValidCbe', () => {
  it.each(['0403534549', '1234567894', makeCbe('08000000')])('accepts %s', (cbe) => {
    expect(isValidCbe(cbe)).toBe(true);
  });

  it.each([
    ['0403534548', 'wrong check digits'],
    ['403534549', 'too short'],
    ['04035345490', 'too long'],
    ['O403534549', 'a letter'],
  ])('rejects %s (%s)', (cbe) => {
    expect(isValidCbe(cbe)).toBe(false);
  });

  it('makeCbe is valid and every single-digit change is invalid', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[01]\d{7}$/), (first8) => {
        const cbe = makeCbe(first8);
        return isValidCbe(cbe) && singleDigitChanges(cbe).every((c) => !isValidCbe(c));
      })
    );
  });
});

describe('checkBelgianIdentifiers', () => {
  it('names each invalid identifier by its path', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:other', value: 'anything' }, ssinIdentifier('85073003328'), ssinIdentifier('85073003327'), { system: SSIN_SYSTEM }],
    };
    expect(checkBelgianIdentifiers(patient).map((p) => p.expression)).toEqual(['Patient.identifier[2].value', 'Patient.identifier[3].value']);
  });

  it('checks professional and organization numbers', () => {
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      identifier: [{ system: NIHII_PROFESSIONAL_SYSTEM, value: '1234' }],
    };
    const organization: Organization = {
      resourceType: 'Organization',
      identifier: [
        { system: NIHII_ORGANIZATION_SYSTEM, value: '71000123000' },
        { system: CBE_SYSTEM, value: '0403534548' },
      ],
    };
    expect(checkBelgianIdentifiers(practitioner)).toEqual([
      {
        expression: 'Practitioner.identifier[0].value',
        message: expect.objectContaining({ code: 'identifier-invalid', text: expect.stringContaining('NIHII') }),
      },
    ]);
    expect(checkBelgianIdentifiers(organization).map((p) => p.expression)).toEqual(['Organization.identifier[1].value']);
  });

  it('accepts resources without identifiers', () => {
    expect(checkBelgianIdentifiers({ resourceType: 'RelatedPerson', patient: { reference: 'Patient/x' } })).toEqual([]);
  });
});
