import type { CareTeam, Consent, Practitioner, Resource } from '@medplum/fhirtypes';
import { parseFhirDate } from '../fhir/search-values';
import type { NationalAccess } from '../policy/facts';
import { CBE, CONSENT_KIND, LINK_TYPE, NIHII_ORGANIZATION, NIHII_PROFESSIONAL, PROFESSION, SSIN } from '../vocabulary';
import type { NationalPractitioner, NationalRecord } from '../store/national-store';

/** Why a publication was refused: a 400 naming the entry. */
export class InvalidPublication extends Error {}

/** A published Consent or CareTeam (national form) as the metahub keeps it, under the publishing hub. */
export function recordOf(hub: string, resource: Resource): NationalRecord | NationalPractitioner {
  const id = resource.id;
  if (!id || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw new InvalidPublication(`${resource.resourceType} without a valid id`);
  const changed = new Date(resource.meta?.lastUpdated ?? NaN);
  const source = resource.meta?.source;
  if (Number.isNaN(changed.getTime()) || typeof source !== 'string')
    throw new InvalidPublication(`${resource.resourceType}/${id}: meta.lastUpdated and meta.source are required`);
  switch (resource.resourceType) {
    case 'Consent': {
      const consent = resource as Consent;
      const kind = consent.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CONSENT_KIND)?.code;
      const period = consent.provision?.period;
      return {
        _id: `${hub}|Consent/${id}`,
        hub,
        type: 'Consent',
        ssin: ssinOf(consent.patient?.identifier?.system, consent.patient?.identifier?.value, `Consent/${id}`),
        kind: required(kind, `Consent/${id}: category from consent-kind`),
        status: required(consent.status, `Consent/${id}: status`),
        ...dates(period?.start, period?.end, `Consent/${id}`),
        professionals: identifiersIn(
          (consent.provision?.actor ?? []).map((a) => a.reference?.identifier),
          [NIHII_PROFESSIONAL]
        ),
        organizations: [],
        changed,
        source,
      };
    }
    case 'CareTeam': {
      const team = resource as CareTeam;
      const type = team.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === LINK_TYPE)?.code;
      const members = (team.participant ?? []).map((p) => p.member?.identifier);
      return {
        _id: `${hub}|CareTeam/${id}`,
        hub,
        type: 'CareTeam',
        ssin: ssinOf(team.subject?.identifier?.system, team.subject?.identifier?.value, `CareTeam/${id}`),
        kind: required(type, `CareTeam/${id}: category from link-type`),
        status: required(team.status, `CareTeam/${id}: status`),
        ...dates(team.period?.start, team.period?.end, `CareTeam/${id}`),
        professionals: identifiersIn(members, [NIHII_PROFESSIONAL]),
        organizations: identifiersIn(members, [NIHII_ORGANIZATION, CBE]),
        changed,
        source,
      };
    }
    case 'Practitioner': {
      const practitioner = resource as Practitioner;
      const [nihii] = identifiersIn(practitioner.identifier ?? [], [NIHII_PROFESSIONAL]);
      const name = practitioner.name?.[0];
      return {
        _id: `${hub}|${required(nihii, `Practitioner/${id}: NIHII identifier`)}`,
        hub,
        nihii,
        active: practitioner.active === true,
        professions: (practitioner.qualification ?? [])
          .flatMap((q) => q.code.coding ?? [])
          .filter((c) => c.system === PROFESSION && c.code)
          .map((c) => c.code as string),
        ...(name ? { name: name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ') } : {}),
      };
    }
    default:
      throw new InvalidPublication(`${resource.resourceType} is not published to the metahub`);
  }
}

export function isPractitionerRecord(record: NationalRecord | NationalPractitioner): record is NationalPractitioner {
  return 'nihii' in record;
}

/** In force at `now`: active and its period (if any) contains now. */
export function inForce(record: NationalRecord, now: Date): boolean {
  return record.status === 'active' && (!record.start || record.start <= now) && (!record.end || now <= record.end);
}

/**
 * A patient's national consent: at most one hub-sharing consent is active nationally (SPEC §4), so
 * the most recent change at any hub decides. A revocation registered anywhere is the latest change
 * and stops access everywhere at once.
 */
export function consentedNationally(records: NationalRecord[], now: Date): boolean {
  const latest = records.filter((r) => r.type === 'Consent' && r.kind === 'hub-sharing').sort((a, b) => b.changed.getTime() - a.changed.getTime())[0];
  return !!latest && inForce(latest, now);
}

export interface AccessQuestion {
  nihii: string;
  profession: string;
  organization?: string;
  /** The hub that vouches for the professional: the one that called the deciding hub. */
  vouchingHub: string;
}

/** The metahub's answer to a hub deciding for another hub's professional (SPEC §11). */
export function nationalAccess(
  question: AccessQuestion,
  registry: NationalPractitioner[],
  naming: NationalRecord[],
  ofPatients: (ssins: string[]) => Promise<NationalRecord[]>,
  now: Date
): Promise<NationalAccess> {
  const entry = registry.find((p) => p.hub === question.vouchingHub);
  const active = !!entry && entry.active && entry.professions.includes(question.profession);
  return (async () => {
    if (!active) return { active: false, links: [], consented: [], excluded: [] };
    const inForceNaming = naming.filter((r) => inForce(r, now));
    const links = inForceNaming
      .filter((r) => r.type === 'CareTeam' || (r.type === 'Consent' && r.kind === 'grant'))
      .map((r) => ({ ssin: r.ssin, type: r.type === 'CareTeam' ? r.kind : 'grant', source: r.source }));
    const excluded = [...new Set(inForceNaming.filter((r) => r.type === 'Consent' && r.kind === 'exclusion').map((r) => r.ssin))];
    const linked = [...new Set(links.map((l) => l.ssin))];
    const records = await ofPatients(linked);
    const consented = linked.filter((ssin) =>
      consentedNationally(
        records.filter((r) => r.ssin === ssin),
        now
      )
    );
    return { active, ...(entry?.name ? { name: entry.name } : {}), links, consented, excluded };
  })();
}

function ssinOf(system: string | undefined, value: string | undefined, where: string): string {
  if (system !== SSIN || !value || !/^\d{11}$/.test(value)) throw new InvalidPublication(`${where}: the patient must be named by SSIN`);
  return value;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null || value === '') throw new InvalidPublication(`${what} is missing`);
  return value;
}

function dates(start: string | undefined, end: string | undefined, where: string): { start?: Date; end?: Date } {
  const lo = start ? parseFhirDate(start)?.lo : undefined;
  // A date-only end lasts to the end of that day, as everywhere else in the hub.
  const hi = end ? parseFhirDate(end)?.hi : undefined;
  if ((start && !lo) || (end && !hi)) throw new InvalidPublication(`${where}: invalid period`);
  return { ...(lo ? { start: lo } : {}), ...(hi ? { end: hi } : {}) };
}

function identifiersIn(identifiers: ({ system?: string; value?: string } | undefined)[], systems: string[]): string[] {
  return identifiers.filter((i) => i?.system && systems.includes(i.system) && i.value).map((i) => i?.value as string);
}
