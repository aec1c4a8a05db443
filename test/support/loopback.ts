import { listen } from './federation';
import { personaClaims, startNetworkHub, type NetworkHub } from './network';

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
  const listener = await listen();
  const t = await startNetworkHub({ baseUrl: listener.baseUrl });
  listener.serve(t.app);
  return {
    t,
    baseUrl: listener.baseUrl,
    tokenOf: (persona) => t.token(personaClaims(persona)),
    close: async () => {
      await listener.close();
      await t.close();
    },
  };
}
