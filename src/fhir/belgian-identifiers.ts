import type { Identifier, Resource } from '@medplum/fhirtypes';
import { message, type Message } from '../messages/message';
import { CBE, NIHII_ORGANIZATION, NIHII_PROFESSIONAL, SSIN } from '../vocabulary';

export interface IdentifierProblem {
  expression: string;
  message: Message;
}

/** Check digits of a mod-97 number: 97 − (n mod 97), so a remainder of 0 gives 97. */
function mod97CheckDigits(digits: string): number {
  // At most 10 digits, well within the exact integer range of a double.
  return 97 - (Number(digits) % 97);
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Month field of an SSIN: 0 (unknown) to 12, or the same shifted by 20 or 40 for BIS numbers.
 * The day is not checked: the national register issues day 00 and other values for unknown dates.
 */
function isValidSsinMonth(month: number): boolean {
  return month <= 12 || (month >= 20 && month <= 32) || (month >= 40 && month <= 52);
}

/** Check digits of an SSIN from its first 9 digits; births from 2000 get a '2' prefixed first. */
export function ssinCheckDigits(first9: string, bornFrom2000: boolean): number {
  return mod97CheckDigits(bornFrom2000 ? `2${first9}` : first9);
}

/** SSIN (INSZ/NISS) or BIS number: 11 digits, valid month, check digits for either century. */
export function isValidSsin(s: string): boolean {
  if (!/^\d{11}$/.test(s)) {
    return false;
  }
  if (!isValidSsinMonth(Number(s.slice(2, 4)))) {
    return false;
  }
  const first9 = s.slice(0, 9);
  const check = Number(s.slice(9));
  // The number does not say its century, so a match under either rule is accepted.
  return check === ssinCheckDigits(first9, false) || check === ssinCheckDigits(first9, true);
}

/** NIHII (INAMI/RIZIV) number of a professional or an institution. */
export function isValidNihii(s: string): boolean {
  // SPEC §3 requires only 11 digits; the registry's own check-digit rule is not part of our contract.
  return /^\d{11}$/.test(s);
}

/** CBE (KBO/BCE) enterprise number: 10 digits, last 2 = 97 − (first 8 mod 97). */
export function isValidCbe(s: string): boolean {
  return /^\d{10}$/.test(s) && Number(s.slice(8)) === mod97CheckDigits(s.slice(0, 8));
}

/**
 * A valid SSIN for a birth date and a serial (1..997: odd for men, even for women).
 * `bisOffset` 20 or 40 gives a BIS number (month + 20 when the sex is unknown, + 40 when known).
 */
export function makeSsin(birthDate: string, serial: number, bisOffset: 0 | 20 | 40 = 0): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) {
    throw new Error(`birthDate must be YYYY-MM-DD: ${birthDate}`);
  }
  if (!Number.isInteger(serial) || serial < 1 || serial > 997) {
    throw new Error(`serial must be an integer in 1..997: ${serial}`);
  }
  const [, year, month, day] = match;
  const first9 = `${year.slice(2)}${twoDigits(Number(month) + bisOffset)}${day}${String(serial).padStart(3, '0')}`;
  return `${first9}${twoDigits(ssinCheckDigits(first9, Number(year) >= 2000))}`;
}

/** A valid CBE number from its first 8 digits (which start with 0 or 1 in practice). */
export function makeCbe(first8: string): string {
  if (!/^\d{8}$/.test(first8)) {
    throw new Error(`first8 must be 8 digits: ${first8}`);
  }
  return `${first8}${twoDigits(mod97CheckDigits(first8))}`;
}

export function ssinIdentifier(value: string): Identifier {
  return { system: SSIN, value };
}

export function nihiiProfessionalIdentifier(value: string): Identifier {
  return { system: NIHII_PROFESSIONAL, value };
}

export function nihiiOrganizationIdentifier(value: string): Identifier {
  return { system: NIHII_ORGANIZATION, value };
}

export function cbeIdentifier(value: string): Identifier {
  return { system: CBE, value };
}

const VALIDATORS: Record<string, { check: (s: string) => boolean; what: string }> = {
  [SSIN]: { check: isValidSsin, what: 'SSIN (11 digits with valid check digits)' },
  [NIHII_PROFESSIONAL]: { check: isValidNihii, what: 'NIHII number (11 digits)' },
  [NIHII_ORGANIZATION]: { check: isValidNihii, what: 'NIHII number (11 digits)' },
  [CBE]: { check: isValidCbe, what: 'CBE number (10 digits with valid check digits)' },
};

/**
 * One problem per top-level identifier whose system is a Belgian naming system but whose value is
 * not a valid number. Every resource type is walked (Patient, Practitioner, Organization,
 * RelatedPerson and any other), since a number in these systems must be valid wherever it appears.
 */
export function checkBelgianIdentifiers(resource: Resource): IdentifierProblem[] {
  const raw = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  if (!raw) {
    return [];
  }
  const identifiers = Array.isArray(raw) ? raw : [raw];
  const problems: IdentifierProblem[] = [];
  identifiers.forEach((identifier, index) => {
    const validator = identifier?.system ? VALIDATORS[identifier.system] : undefined;
    if (!validator) {
      return;
    }
    const value = identifier.value;
    if (typeof value !== 'string' || !validator.check(value)) {
      const path = Array.isArray(raw) ? `identifier[${index}]` : 'identifier';
      problems.push({
        expression: `${resource.resourceType}.${path}.value`,
        message: message('identifier-invalid', { what: validator.what, system: identifier.system ?? '', value: JSON.stringify(value ?? null) }),
      });
    }
  });
  return problems;
}
