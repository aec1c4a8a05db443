import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startNetworkHub, type NetworkHub } from './network';

export interface LoopbackHub {
  t: NetworkHub;
  /** `http://127.0.0.1:<port>/fhir`: the hub's FHIR_BASE_URL, so its `next` links lead back to it. */
  baseUrl: string;
  /** A bearer token of a fixture persona (fixtures/personas.json), signed with the hub's development key. */
  tokenOf(persona: string): string;
  close(): Promise<void>;
}

/**
 * The demo network hub listening on a free loopback port, for real clients (fhirclient,
 * fhir-kit-client, newman). The port is taken first and the hub built for it, because paging
 * links are absolute URLs on the configured base.
 */
export async function startLoopbackHub(): Promise<LoopbackHub> {
  let app: http.RequestListener | undefined;
  const server = http.createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/fhir`;
  const t = await startNetworkHub({ baseUrl });
  app = t.app;
  return {
    t,
    baseUrl,
    tokenOf: (persona) => t.token(personaClaims(persona)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

export function personaClaims(persona: string): Record<string, unknown> {
  const { personas } = require('../../fixtures/personas.json') as { personas: Record<string, { claims: Record<string, unknown> }> };
  const claims = personas[persona]?.claims;
  if (!claims) throw new Error(`Unknown persona ${persona}`);
  return claims;
}
