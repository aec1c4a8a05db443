import type { DocumentReference, Patient } from '@medplum/fhirtypes';

/** A small seeded generator (mulberry32), so a benchmark run can be repeated on the same data. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A version-4-shaped UUID drawn from this generator (FHIR ids like the hub's own). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16));
    hex[12] = '4';
    hex[16] = (8 + this.int(4)).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

const FAMILY = ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Dubois', 'Lambert'];
const GIVEN = ['Anna', 'Lucas', 'Emma', 'Noah', 'Louise', 'Arthur', 'Marie', 'Jules', 'Elise', 'Victor'];

/** LOINC document types a Belgian hub commonly carries. */
const DOCUMENT_TYPES = [
  { code: '11506-3', display: 'Progress note' },
  { code: '18842-5', display: 'Discharge summary' },
  { code: '11488-4', display: 'Consult note' },
  { code: '60591-5', display: 'Patient summary Document' },
  { code: '18748-4', display: 'Diagnostic imaging study' },
  { code: '11502-2', display: 'Laboratory report' },
];

const CONTENT_TYPES = ['application/pdf', 'text/plain', 'application/fhir+json'];

export function syntheticPatient(random: SeededRandom, id: string): Patient & { id: string } {
  const year = 1930 + random.int(90);
  return {
    resourceType: 'Patient',
    id,
    active: true,
    name: [{ use: 'official', family: random.pick(FAMILY), given: [random.pick(GIVEN)] }],
    gender: random.next() < 0.5 ? 'female' : 'male',
    birthDate: `${year}-${pad(1 + random.int(12))}-${pad(1 + random.int(28))}`,
  };
}

/** ~90 % `current`, the rest `superseded`: the hot search filters on status=current. */
export function syntheticDocumentReference(random: SeededRandom, id: string | undefined, patientId: string): DocumentReference {
  const type = random.pick(DOCUMENT_TYPES);
  const contentType = random.pick(CONTENT_TYPES);
  const date = new Date(Date.UTC(2015 + random.int(10), random.int(12), 1 + random.int(28), random.int(24), random.int(60)));
  const ext = contentType === 'application/pdf' ? 'pdf' : contentType === 'text/plain' ? 'txt' : 'json';
  const fileId = random.uuid();
  return {
    resourceType: 'DocumentReference',
    ...(id ? { id } : {}),
    status: random.next() < 0.9 ? 'current' : 'superseded',
    docStatus: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: type.code, display: type.display }] },
    subject: { reference: `Patient/${patientId}` },
    date: date.toISOString(),
    description: type.display,
    content: [{ attachment: { contentType, url: `https://documents.example.org/${fileId}.${ext}`, title: `${type.display}.${ext}` } }],
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
