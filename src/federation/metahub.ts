import { allOk, forbidden, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirRouteHandler, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, Endpoint, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { isValidSsin } from '../fhir/belgian-identifiers';
import type { HubRepository } from '../fhir/hub-repository';
import { invalidRequest, message } from '../messages/message';
import { PEER_HUB_SYSTEM, SSIN } from '../vocabulary';
import type { NationalStore } from '../store/national-store';
import { InvalidPublication, isPractitionerRecord, nationalAccess, recordOf } from './national-view';
import type { PeerDirectory } from './peers';

/**
 * The metahub's operations (SPEC §11), for hubs only (role `hub`, a peer token): the holder index,
 * the publication of consents, links and professionals, and the national answer at decision time.
 * The national view is never shown to a professional.
 */
export function addMetahubOperations(router: FhirRouter, store: NationalStore, peers: PeerDirectory): void {
  router.add('POST', 'Patient/$register-holder', fromHub(registerHolder(store)), 'operation');
  router.add('GET', 'Patient/$holders', fromHub(holders(store, peers)), 'operation');
  router.add('POST', '$publish', fromHub(publish(store)), 'operation');
  router.add('GET', 'Practitioner/$national-access', fromHub(access(store)), 'operation');
}

type HubHandler = (req: FhirRequest, hubId: string, now: Date) => ReturnType<FhirRouteHandler>;

function fromHub(handler: HubHandler): FhirRouteHandler {
  return async (req, repo) => {
    const { principal } = (repo as HubRepository).ctx.policy;
    if (principal.role !== 'hub' || !principal.hubId) throw new OperationOutcomeError(forbidden);
    return handler(req, principal.hubId, (repo as HubRepository).ctx.now);
  };
}

/** `POST Patient/$register-holder` (Parameters `identifier` = the SSIN): the calling hub holds data for that patient. */
function registerHolder(store: NationalStore): HubHandler {
  return async (req, hubId, now) => {
    const identifier = parameter(req.body, 'identifier')?.valueIdentifier;
    await store.addHolder(ssinFrom(identifier?.system, identifier?.value, 'identifier'), hubId, now);
    return [allOk];
  };
}

/** `GET Patient/$holders?identifier=<ssin system>|n`: the hubs holding data for the patient, as Endpoints. */
function holders(store: NationalStore, peers: PeerDirectory): HubHandler {
  return async (req) => {
    const [system, value] = String(single(req.query.identifier) ?? '').split('|');
    const ssin = ssinFrom(system, value, 'identifier');
    const endpoints = (await store.holdersOf(ssin))
      .map((id) => peers.peer(id))
      .filter((p) => !!p)
      .map((peer): Endpoint => ({
        resourceType: 'Endpoint',
        id: peer.hubId,
        status: 'active',
        identifier: [{ system: PEER_HUB_SYSTEM, value: peer.hubId }],
        name: peer.hubId,
        connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
        payloadType: [{ text: 'DocumentReference' }],
        address: peer.baseUrl,
      }));
    const bundle: Bundle<Endpoint> = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: endpoints.length,
      entry: endpoints.map((resource) => ({ fullUrl: `${resource.address}`, resource, search: { mode: 'match' } })),
    };
    return [allOk, bundle];
  };
}

/** `POST $publish` (a collection Bundle of national-form Consents, CareTeams and Practitioners): all or nothing. */
function publish(store: NationalStore): HubHandler {
  return async (req, hubId) => {
    const bundle = req.body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'collection' || !Array.isArray(bundle.entry)) {
      throw new OperationOutcomeError(invalidRequest(message('national-publication-expected')));
    }
    let records;
    try {
      records = bundle.entry.map((e, i) => {
        if (!e?.resource || typeof e.resource !== 'object') throw new InvalidPublication(`entry ${i} has no resource`);
        return recordOf(hubId, e.resource);
      });
    } catch (err) {
      if (err instanceof InvalidPublication) throw new OperationOutcomeError(invalidRequest(message('national-publication-invalid', { problem: err.message })));
      throw err;
    }
    for (const record of records) {
      if (isPractitionerRecord(record)) await store.putPractitioner(record);
      else await store.putRecord(record);
    }
    return [allOk];
  };
}

/**
 * `GET Practitioner/$national-access?nihii=&profession=&organization=&hub=`: whether the professional
 * is active with that profession as `hub` (the hub vouching for them) published it, and their links,
 * the consent state of those patients and exclusions naming them, nationally and now.
 */
function access(store: NationalStore): HubHandler {
  return async (req, _hubId, now) => {
    const nihii = String(single(req.query.nihii) ?? '');
    const profession = String(single(req.query.profession) ?? '');
    const vouchingHub = String(single(req.query.hub) ?? '');
    if (!/^\d{11}$/.test(nihii)) throw new OperationOutcomeError(invalidRequest(message('national-nihii-invalid'), 'nihii'));
    if (!profession || !vouchingHub) throw new OperationOutcomeError(invalidRequest(message('national-profession-hub-required')));
    const organization = single(req.query.organization);
    // An institution's links count for a professional acting for it only when the vouching hub
    // published them: the institution is registered there, and that hub holds the role backing the
    // claim. Another hub's institution is not one the vouching hub can vouch its professional acts for.
    const naming = [
      ...(await store.recordsNaming(nihii)),
      ...(organization ? (await store.recordsNamingOrganization(String(organization))).filter((r) => r.type === 'CareTeam' && r.hub === vouchingHub) : []),
    ];
    const answer = await nationalAccess(
      { nihii, profession, vouchingHub },
      await store.practitionersWith(nihii),
      naming,
      (ssins) => store.recordsOf(ssins),
      now
    );
    const parameters: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'active', valueBoolean: answer.active },
        ...(answer.name ? [{ name: 'name', valueString: answer.name }] : []),
        ...answer.links.map((l) => ({
          name: 'link',
          part: [
            { name: 'ssin', valueString: l.ssin },
            { name: 'type', valueCode: l.type },
            { name: 'source', valueUri: l.source },
          ],
        })),
        ...answer.consented.map((ssin) => ({ name: 'consented', valueString: ssin })),
        ...answer.excluded.map((ssin) => ({ name: 'excluded', valueString: ssin })),
      ],
    };
    return [allOk, parameters];
  };
}

function parameter(body: unknown, name: string): ParametersParameter | undefined {
  const params = body as Parameters | undefined;
  return params?.resourceType === 'Parameters' ? params.parameter?.find((p) => p.name === name) : undefined;
}

function ssinFrom(system: string | undefined, value: string | undefined, where: string): string {
  if (system !== SSIN || !value || !isValidSsin(value))
    throw new OperationOutcomeError(invalidRequest(message('national-ssin-invalid', { parameter: where }), where));
  return value;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
