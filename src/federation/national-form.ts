import type { Bundle, CareTeam, Consent, Identifier, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import { CBE, CONSENT_KIND, LINK_TYPE, NIHII_ORGANIZATION, NIHII_PROFESSIONAL, PROFESSION, SSIN } from '../vocabulary';

/**
 * The national form of what a hub publishes to the metahub (SPEC §11): its Consents, therapeutic
 * links and active Practitioners, with every party named by national number (`Reference.identifier`)
 * since local ids mean nothing elsewhere, and nothing clinical. `meta.source` is the hub's own URL.
 */
export type ReadLocal = (reference: string) => Promise<Resource | undefined>;

export async function nationalForm(resource: Resource, lastUpdated: string, baseUrl: string, read: ReadLocal): Promise<Resource | undefined> {
  const meta = { lastUpdated, source: `${baseUrl}/${resource.resourceType}/${resource.id}` };
  switch (resource.resourceType) {
    case 'Consent': {
      const consent = resource as Consent;
      const patient = await patientIdentifier(consent.patient, read);
      if (!patient) return undefined;
      const actors = await Promise.all((consent.provision?.actor ?? []).map((a) => partyIdentifier(a.reference, read)));
      const national: Consent = {
        resourceType: 'Consent',
        id: consent.id,
        meta,
        status: consent.status,
        scope: consent.scope,
        category: consent.category.filter((c) => c.coding?.some((x) => x.system === CONSENT_KIND)),
        patient: { identifier: patient },
        provision: {
          type: consent.provision?.type,
          ...(consent.provision?.period ? { period: consent.provision.period } : {}),
          actor: actors
            .filter((i): i is Identifier => !!i)
            .map((identifier) => ({
              role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
              reference: { identifier },
            })),
        },
      };
      return national;
    }
    case 'CareTeam': {
      const team = resource as CareTeam;
      const patient = await patientIdentifier(team.subject, read);
      if (!patient) return undefined;
      const members = await Promise.all((team.participant ?? []).map((p) => partyIdentifier(p.member, read)));
      const national: CareTeam = {
        resourceType: 'CareTeam',
        id: team.id,
        meta,
        status: team.status,
        category: team.category?.filter((c) => c.coding?.some((x) => x.system === LINK_TYPE)),
        subject: { identifier: patient },
        ...(team.period ? { period: team.period } : {}),
        participant: members.filter((i): i is Identifier => !!i).map((identifier) => ({ member: { identifier } })),
      };
      return national;
    }
    case 'Practitioner': {
      const practitioner = resource as Practitioner;
      const nihii = practitioner.identifier?.find((i) => i.system === NIHII_PROFESSIONAL && i.value);
      if (!nihii) return undefined;
      const national: Practitioner = {
        resourceType: 'Practitioner',
        id: practitioner.id,
        meta,
        active: practitioner.active === true && !awaitingAccreditation(practitioner),
        identifier: [{ system: NIHII_PROFESSIONAL, value: nihii.value }],
        ...(practitioner.name ? { name: practitioner.name.slice(0, 1).map((n) => ({ family: n.family, given: n.given, text: n.text })) } : {}),
        qualification: (practitioner.qualification ?? []).filter((q) => q.code.coding?.some((c) => c.system === PROFESSION)).map((q) => ({ code: q.code })),
      };
      return national;
    }
    default:
      return undefined;
  }
}

/** A junior doctor acts only once accredited (SPEC §6): until then not active nationally either. */
function awaitingAccreditation(practitioner: Practitioner): boolean {
  const ext = practitioner.extension?.find((e) => e.url.endsWith('/StructureDefinition/junior-accreditation'));
  return !!ext && ext.extension?.find((e) => e.url === 'status')?.valueCode !== 'accredited';
}

export function publicationBundle(resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

async function patientIdentifier(reference: Reference | undefined, read: ReadLocal): Promise<Identifier | undefined> {
  if (reference?.identifier?.system === SSIN && reference.identifier.value) return { system: SSIN, value: reference.identifier.value };
  if (!reference?.reference) return undefined;
  const patient = (await read(reference.reference)) as Patient | undefined;
  const ssin = patient?.identifier?.find((i) => i.system === SSIN && i.value);
  return ssin ? { system: SSIN, value: ssin.value } : undefined;
}

const PARTY_SYSTEMS = new Set([NIHII_PROFESSIONAL, NIHII_ORGANIZATION, CBE]);

/** A Practitioner by NIHII, an Organization by NIHII or CBE; anyone else (a RelatedPerson) is not national. */
async function partyIdentifier(reference: Reference | undefined, read: ReadLocal): Promise<Identifier | undefined> {
  const given = reference?.identifier;
  if (given?.system && given.value && PARTY_SYSTEMS.has(given.system)) return { system: given.system, value: given.value };
  const ref = reference?.reference;
  if (!ref || !/^(Practitioner|Organization)\//.test(ref)) return undefined;
  const party = (await read(ref)) as { identifier?: Identifier[] } | undefined;
  const found = party?.identifier?.find((i) => i.system && PARTY_SYSTEMS.has(i.system) && i.value);
  return found ? { system: found.system, value: found.value } : undefined;
}
