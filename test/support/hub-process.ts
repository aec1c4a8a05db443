import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_AUDIENCE, DEV_ISSUER } from '../../src/config';
import { mintDevToken } from '../../src/identity/mint-token';
import { findFreeLoopbackPort, isAlive } from '../../src/store/child-process';
import { HUB_ADMIN } from './personas';

const root = path.resolve(__dirname, '../..');

/** The hub as an operator runs it (`src/main.ts`), with its embedded database in `dataDir`. */
export interface HubProcess {
  child: ChildProcess;
  base: string;
  dataDir: string;
  output(): string;
  adminToken(): string;
  /** The database processes' pids, from their pid files. */
  databasePids(): { postgres?: number; ferretdb?: number };
  stop(): Promise<void>;
}

export async function startHubProcess(dataDir: string): Promise<HubProcess> {
  const port = await findFreeLoopbackPort();
  let output = '';
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
  // The run-wide test database must not be picked up: this hub starts its own.
  delete env.MONGODB_URI;
  delete env.POSTGRES_URL;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('src', 'main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`hub exited during start-up:\n${output}`);
    if (i > 1200) throw new Error(`hub not ready after 120 s:\n${output}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    base,
    dataDir,
    output: () => output,
    adminToken: () =>
      mintDevToken(fs.readFileSync(path.join(dataDir, 'dev-jwt-private.pem'), 'utf8'), HUB_ADMIN, { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE }),
    databasePids: () => ({
      postgres: pidFrom(path.join(dataDir, 'postgres', 'postmaster.pid')),
      ferretdb: pidFrom(path.join(dataDir, 'ferretdb.pid')),
    }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function pidFrom(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until none of the pids is alive (the watchdog takes a moment), up to 20 s. */
export async function gone(pids: (number | undefined)[]): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (!pids.some((p) => p !== undefined && isAlive(p))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
