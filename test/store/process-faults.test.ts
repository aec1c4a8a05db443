import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/store/child-process';
import { gone, startHubProcess, type HubProcess } from '../support/hub-process';

/**
 * The hub as a process with its embedded database (SPEC §9), under the faults an operator meets:
 * the database killed under write load, the hub killed with `kill -9` mid-transaction, and a
 * watchdog that died too. The load is real HTTP; what is checked is what the database holds.
 */
jest.setTimeout(240_000);

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

let dataDir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-faults-'));
});
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const organization = (id: string) => ({ resourceType: 'Organization', id, name: `load ${id}` });
const transaction = (ids: string[]) => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: ids.map((id) => ({ resource: organization(id), request: { method: 'PUT', url: `Organization/${id}` } })),
});

/** Writes until told to stop: single PUTs and two-entry transactions, every answer recorded. */
function writeLoad(h: HubProcess, workers: number) {
  const singles = new Map<string, Answer>();
  const bundles = new Map<string[], Answer>();
  let stopping = false;
  const headers = { Authorization: `Bearer ${h.adminToken()}`, 'Content-Type': 'application/fhir+json' };
  const send = async (url: string, method: string, body: unknown): Promise<Answer> => {
    const res = await fetch(`${h.base}/fhir${url}`, { method, headers, body: JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as { issue?: { details?: { text?: string } }[] };
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: json.issue?.[0]?.details?.text ?? '' };
  };
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stopping; i++) {
      try {
        if (i % 3 === 2) {
          const ids = [`tx-${w}-${i}-a`, `tx-${w}-${i}-b`];
          bundles.set(ids, await send('', 'POST', transaction(ids)));
        } else {
          const id = `one-${w}-${i}`;
          singles.set(id, await send(`/Organization/${id}`, 'PUT', organization(id)));
        }
      } catch {
        // the hub itself went away (kill -9): the request has no answer
        if (stopping) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  const all = () => [...singles.values(), ...bundles.values()];
  return {
    singles,
    bundles,
    answered: () => all().length,
    okSince: (n: number) =>
      all()
        .slice(n)
        .some((a) => a.status < 300),
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function stored(h: HubProcess, id: string): Promise<boolean> {
  const res = await fetch(`${h.base}/fhir/Organization/${id}`, { headers: { Authorization: `Bearer ${h.adminToken()}` } });
  if (res.status !== 200 && res.status !== 404) throw new Error(`read of ${id} answered ${res.status}`);
  return res.status === 200;
}

/** A 5xx may only leave something stored if its text says so (SPEC §9). */
const saysStored = (a: Answer) => /was stored|it is stored|may or may not be stored|either stored in full or not at all/.test(a.text);

it('database killed under write load: fast 503s with Retry-After, recovery without restart, every 2xx durable, no 5xx stored', async () => {
  hub = await startHubProcess(dataDir);
  const h = hub;
  const hubPid = h.child.pid;
  const load = writeLoad(h, 4);
  await until('some writes are answered', () => load.answered() >= 20);

  const before = h.databasePids();
  process.kill(before.ferretdb as number, 'SIGKILL');
  const afterFerretKill = load.answered();
  await until('writes succeed again after FerretDB was killed', () => load.okSince(afterFerretKill + 4));
  process.kill(before.postgres as number, 'SIGKILL');
  // Its backends may serve a little longer (they notice the postmaster's death on their next wait).
  await until('PostgreSQL is restarted', () => {
    const pid = h.databasePids().postgres;
    return pid !== undefined && pid !== before.postgres && isAlive(pid);
  });
  const afterPostgresKill = load.answered();
  await until('writes succeed again after PostgreSQL was killed', () => load.okSince(afterPostgresKill + 4));
  await load.stop();

  const answers = [...load.singles.values(), ...load.bundles.values()];
  const statuses = new Set(answers.map((a) => a.status));
  const unexpected = [...statuses].filter((s) => ![200, 201, 503].includes(s));
  // On failure, the hub's own account of the unexpected errors.
  const errors = unexpected.length
    ? h
        .output()
        .split('\n')
        .filter((l) => /"level":"error"/.test(l))
        .slice(0, 5)
    : [];
  expect({ unexpected, errors }).toEqual({ unexpected: [], errors: [] });
  expect(statuses.has(503)).toBe(true);
  expect(answers.filter((a) => a.status === 503 && !a.retryAfter)).toEqual([]);
  // The same hub process recovered by itself; the database processes are new ones.
  expect(h.child.exitCode).toBeNull();
  expect(h.child.pid).toBe(hubPid);
  const after = h.databasePids();
  expect(after.ferretdb).not.toBe(before.ferretdb);
  expect(after.postgres).not.toBe(before.postgres);
  await until('/readyz says ready', async () => (await fetch(`${h.base}/readyz`)).status === 200, 30);

  for (const [id, answer] of load.singles) {
    if (answer.status < 300) expect({ id, stored: await stored(h, id) }).toEqual({ id, stored: true });
    else if (!saysStored(answer)) expect({ id, stored: await stored(h, id), answer }).toEqual({ id, stored: false, answer });
  }
  for (const [ids, answer] of load.bundles) {
    const read = () => Promise.all(ids.map((id) => stored(h, id)));
    // A bundle answered "stored, will be complete" is completed by the hub once the database is back.
    if (/will be complete/.test(answer.text)) await until(`${ids} is complete`, async () => (await read()).every(Boolean), 20);
    const found = await read();
    // Never half a transaction, whatever the answer.
    expect({ ids, whole: found[0] === found[1] ? true : answer }).toEqual({ ids, whole: true });
    if (answer.status < 300) expect({ ids, found }).toEqual({ ids, found: [true, true] });
    else if (!saysStored(answer)) expect({ ids, found, answer }).toEqual({ ids, found: [false, false], answer });
  }
});

it('hub killed with kill -9 mid-transaction: no orphan process, after restart no partial bundle and no 2xx lost; a start also cleans up what a killed watchdog left', async () => {
  hub = await startHubProcess(dataDir);
  const first = hub;
  const load = writeLoad(first, 4);
  await until('some transactions are answered', () => load.bundles.size >= 6);
  const database = first.databasePids();
  first.child.kill('SIGKILL');
  await load.stop();
  // The watchdog takes the database along: nothing keeps holding DATA_DIR.
  expect(await gone([database.postgres, database.ferretdb])).toBe(true);

  hub = await startHubProcess(dataDir);
  const second = hub;
  for (const [ids, answer] of load.bundles) {
    const found = await Promise.all(ids.map((id) => stored(second, id)));
    expect({ ids, whole: found[0] === found[1] }).toEqual({ ids, whole: true });
    if (answer.status < 300) expect({ ids, found }).toEqual({ ids, found: [true, true] });
  }
  for (const [id, answer] of load.singles) {
    if (answer.status < 300) expect({ id, stored: await stored(second, id) }).toEqual({ id, stored: true });
  }

  // Now the watchdog dies with the hub: the database processes are left holding the data folder...
  const leftovers = second.databasePids();
  const watchdog = childPids(second.child.pid as number).filter((pid) => commandLine(pid).includes('watch'));
  expect(watchdog).toHaveLength(1);
  process.kill(watchdog[0], 'SIGKILL');
  second.child.kill('SIGKILL');
  await until('the hub is gone', () => !isAlive(second.child.pid as number));
  expect(isAlive(leftovers.postgres as number) && isAlive(leftovers.ferretdb as number)).toBe(true);

  // ... until the next start stops them by their pid files, and then stops its own on the way out.
  hub = await startHubProcess(dataDir);
  const third = hub;
  expect(await gone([leftovers.postgres, leftovers.ferretdb])).toBe(true);
  expect((await fetch(`${third.base}/readyz`)).status).toBe(200);
  const running = third.databasePids();
  await third.stop();
  hub = undefined;
  expect(await gone([running.postgres, running.ferretdb])).toBe(true);
});

function childPids(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return (
          Number(
            fs
              .readFileSync(`/proc/${pid}/stat`, 'utf8')
              .replace(/^.*\) /, '')
              .split(' ')[1]
          ) === parent
        );
      } catch {
        return false;
      }
    });
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
