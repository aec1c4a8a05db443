import type { DocumentReference, Endpoint, Organization } from '@medplum/fhirtypes';
import { refuse } from '../fhir/business-rule';
import { message } from '../messages/message';
import { relativeReference } from '../fhir/search-values';
import type { WorkflowPort } from '../fhir/workflow-port';
import { SAFE_CONTENT } from './document-publication';

export const UNREGISTERED_SOURCE = message('document-source-unregistered');

/**
 * SPEC §4: the hub fetches a document's content only from a registered source. The custodian
 * Organization lists an active Endpoint (`Organization.endpoint`, written by hub-admin only), and
 * the URL has that Endpoint's scheme, host and port and a path under its path at a `/` boundary.
 * There is no global allow-list: loopback and private addresses are reachable only when an
 * institution registered them. Answers the Endpoint trusted for `url`, if any.
 */
export async function registeredSourceFor(
  port: WorkflowPort,
  custodian: string | undefined,
  url: string,
  baseUrl: string,
  now: Date
): Promise<Endpoint | undefined> {
  const org = custodian ? relativeReference(custodian, baseUrl) : '';
  if (!/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(org)) return undefined;
  const organization = await port.registryEntry<Organization>('Organization', org.split('/')[1]);
  if (!organization || organization.active === false) return undefined;
  for (const ref of organization.endpoint ?? []) {
    const target = relativeReference(ref.reference ?? '', baseUrl);
    if (!/^Endpoint\/[A-Za-z0-9\-.]{1,64}$/.test(target)) continue;
    const endpoint = await port.registryEntry<Endpoint>('Endpoint', target.split('/')[1]);
    if (endpoint && isActive(endpoint, now) && isUnder(url, endpoint.address)) return endpoint;
  }
  return undefined;
}

/** Active now: status `active` and, when it has a period, one that contains now. */
function isActive(endpoint: Endpoint, now: Date): boolean {
  if (endpoint.status !== 'active') return false;
  const { start, end } = endpoint.period ?? {};
  return (!start || Date.parse(start) <= now.getTime()) && (!end || now.getTime() < Date.parse(end));
}

/**
 * `url` is under `address`: same scheme, host and port, and its path is the address's path or
 * below it at a `/` boundary (`/docs` covers `/docs/1`, never `/docs-other/1`). Both are parsed
 * as URLs first, so dot segments and default ports are compared as a fetch would resolve them;
 * credentials in the URL are never accepted.
 */
export function isUnder(url: string, address: string): boolean {
  let target: URL;
  let source: URL;
  try {
    target = new URL(url);
    source = new URL(address);
  } catch {
    return false;
  }
  if (!['http:', 'https:'].includes(target.protocol) || target.username || target.password) return false;
  if (target.protocol !== source.protocol || target.hostname !== source.hostname || target.port !== source.port) return false;
  const base = source.pathname.replace(/\/+$/, '');
  return target.pathname === base || target.pathname.startsWith(`${base}/`);
}

/** The content URLs of a document that are fetched from a source system (not in the hub's safe). */
export function sourceUrlsOf(doc: DocumentReference, baseUrl: string): string[] {
  return (doc.content ?? []).map((c) => c.attachment?.url).filter((u): u is string => !!u && !SAFE_CONTENT.test(relativeReference(u, baseUrl)));
}

/**
 * At publication (create, update, ITI-65 entry): every source URL must be under a registered
 * source of the custodian, else a 422 and nothing is stored. An update that keeps the content
 * and custodian as they were is not re-judged (releasing an old document does not depend on
 * its source still being registered; fetching it does).
 */
export async function checkContentSources(
  port: WorkflowPort,
  doc: DocumentReference,
  previous: DocumentReference | undefined,
  baseUrl: string,
  now: Date
): Promise<void> {
  const urls = sourceUrlsOf(doc, baseUrl);
  if (previous && sameSource(doc, previous, baseUrl)) return;
  for (const [i, url] of (doc.content ?? []).map((c) => c.attachment?.url).entries()) {
    if (!url || !urls.includes(url)) continue;
    if (!(await registeredSourceFor(port, doc.custodian?.reference, url, baseUrl, now))) {
      refuse(UNREGISTERED_SOURCE, `DocumentReference.content[${i}].attachment.url`);
    }
  }
}

function sameSource(a: DocumentReference, b: DocumentReference, baseUrl: string): boolean {
  const key = (d: DocumentReference) => JSON.stringify([sourceUrlsOf(d, baseUrl), d.custodian?.reference ?? '']);
  return key(a) === key(b);
}
