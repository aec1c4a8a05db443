/** Shared fixtures of the isolation tests (reads, writes, the write gate): persona keys, probes past the policy, a seeded hub per block. */
import { documentFor, seed, startNetworkHub, type NetworkHub } from './network';
import { SSIN as SSIN_SYSTEM, NIHII_PROFESSIONAL as NIHII_SYSTEM } from '../../src/vocabulary';
import { LUC, LUCAS, MARIE, NIHII, PIETER, SOFIA, SSINS as SSIN } from './personas';

export { SSIN_SYSTEM, NIHII_SYSTEM, LUC, LUCAS, MARIE, NIHII, PIETER, SOFIA, SSIN };

export const ssinOf = (value: string) => `${SSIN_SYSTEM}|${value}`;
export const entryIds = (body: { entry?: { resource?: { resourceType: string; id: string } }[] }) =>
  (body.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort();
export const practitionerClaims = (nihii: string, profession: string, extra: Record<string, unknown> = {}) => ({
  sub: `custom-${nihii}`,
  role: 'practitioner',
  nihii,
  profession,
  scope: 'user/*.cruds',
  ...extra,
});

/** Whether a resource is still in the store at all (any caller), read past the policy. */
export async function stored(t: NetworkHub, type: string, id: string): Promise<boolean> {
  return (await t.store.readFacts(type, { field: 'id', in: [id] }, 1)).length === 1;
}

/** A network hub of its own for one describe block, with Marie's and Luc's test documents. */
export function ownHub(): () => NetworkHub {
  let t: NetworkHub;
  beforeAll(async () => {
    t = await startNetworkHub();
    for (const id of ['w-marie-lab', 'w-marie-lab-2', 'w-marie-lab-3']) {
      await seed(t, documentFor(MARIE, { id, cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    }
    // Released to Marie: a patient may only reference (and so restrict) a document she can see (SPEC §5).
    await seed(t, documentFor(MARIE, { id: 'w-marie-abs', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters', release: { rule: 'immediate' } }));
    await seed(t, documentFor(MARIE, { id: 'w-marie-v', cls: 'lab-result', label: 'V', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'w-marie-r', cls: 'lab-result', label: 'R', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(LUC, { id: 'w-luc-lab', cls: 'lab-result' }));
  });
  afterAll(async () => {
    await t.close();
  });
  return () => t;
}
