import { splitSearchOnComma, type Filter, type SearchRequest } from '@medplum/core';
import { patientChain } from '../audit/audit-chain';
import type { Condition } from '../store/condition';
import { relativeReference } from './search-values';

/** A search served by walking patients' audit chains instead of querying the AuditEvent collection. */
export interface TrailSearchPlan {
  /** The chains to walk: the trails of the named patients the caller may read (possibly none). */
  chains: string[];
  newestFirst: boolean;
  /** The other criteria, checked on each walked event. */
  others: Filter[];
}

/** Sort parameters a chain walk follows: `recorded` (date) and lastUpdated, which the hub sets to it. */
const TRAIL_SORTS = new Set(['date', '_lastUpdated']);
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * When a search of AuditEvent is a patient's trail read (SPEC §7: `AuditEvent?patient=X`, or a
 * patient-role caller's own `AuditEvent`), newest first (default, `-date`) or oldest first (`date`):
 * served from the chains, whose pages cost what they show (trail-reader.ts). The chains are those
 * of the patients the caller's read scope admits: every event about patient P's record is in
 * chain `Patient/P` (audit-chain.ts), so a scope that admits only some patients' events (a patient
 * and their grantors) or everything (hub-admin, with `patient` named) is covered by their chains.
 * Anything else (a professional's own actions, hub-admin's whole trail, other sorts) is undefined:
 * the ordinary search serves it.
 */
export function trailSearchPlan(request: SearchRequest, scope: Condition, baseUrl: string): TrailSearchPlan | undefined {
  if (request.resourceType !== 'AuditEvent') return undefined;
  const sort = request.sortRules ?? [];
  if (sort.length > 1 || (sort.length === 1 && !TRAIL_SORTS.has(sort[0].code))) return undefined;
  const filters = request.filters ?? [];
  const patientFilters = filters.filter((f) => f.code === 'patient');
  if (patientFilters.length > 1) return undefined;
  const named = patientFilters.length ? patientsNamedBy(patientFilters[0], baseUrl) : undefined;
  if (patientFilters.length && !named) return undefined;
  const readable = patientsAdmittedBy(scope);
  if (!readable) return undefined;
  const patients = readable === 'all' ? named : named ? named.filter((p) => readable.includes(p)) : readable;
  if (!patients) return undefined;
  return {
    chains: [...new Set(patients)].map(patientChain),
    newestFirst: sort.length === 0 || !!sort[0].descending,
    others: filters.filter((f) => f.code !== 'patient'),
  };
}

/** `Patient/<id>` for each value of a plain `patient` filter; undefined for a modifier or another kind of reference. */
function patientsNamedBy(filter: Filter, baseUrl: string): string[] | undefined {
  if (filter.operator !== 'eq') return undefined;
  const patients: string[] = [];
  for (const value of splitSearchOnComma(filter.value)) {
    const ref = relativeReference(value.trim(), baseUrl);
    const id = ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : ref;
    if (!FHIR_ID.test(id)) return undefined;
    patients.push(`Patient/${id}`);
  }
  return patients;
}

/** The patients whose events alone the scope admits (`access.patient` pinned), or 'all'; undefined when it admits otherwise. */
function patientsAdmittedBy(scope: Condition): string[] | 'all' | undefined {
  if ('always' in scope) return 'all';
  if ('field' in scope && scope.field === 'access.patient' && 'in' in scope) return scope.in.filter((v): v is string => typeof v === 'string');
  if ('and' in scope) {
    for (const part of scope.and) {
      const pinned = patientsAdmittedBy(part);
      if (Array.isArray(pinned)) return pinned;
    }
  }
  return undefined;
}
