import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/**
 * What the embedded database processes (PostgreSQL, FerretDB) have in common: started with their
 * output in a log file, watched for exit, stopped with a grace period, recorded in a pid file so a
 * later start can clean up after a hub that was killed.
 */

export interface TrackedChild {
  readonly pid: number;
  exited(): boolean;
  exitDescription(): string;
  /** Resolves when the process has exited, whatever the reason. */
  readonly exit: Promise<void>;
  /** `signal`, then SIGKILL after the grace period; resolves once the process has exited. Safe to call twice. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

export function spawnLogged(binary: string, args: string[], logFile: string, options: SpawnOptions = {}): ChildProcess {
  const logFd = fs.openSync(logFile, 'a');
  try {
    return spawn(binary, args, { ...options, stdio: ['ignore', logFd, logFd] });
  } finally {
    fs.closeSync(logFd); // the child has its own copy
  }
}

export function trackChild(child: ChildProcess, defaultSignal: NodeJS.Signals = 'SIGTERM'): TrackedChild {
  let exitInfo: string | undefined;
  const exit = new Promise<void>((resolve) => {
    const done = (info: string): void => {
      if (exitInfo !== undefined) return;
      exitInfo = info;
      running.delete(child);
      resolve();
    };
    child.once('exit', (code, signal) => done(signal ? `signal ${signal}` : `exit code ${code}`));
    // A failed spawn (e.g. ENOENT) emits 'error' and maybe never 'exit'.
    child.once('error', (error) => done(`spawn error: ${error.message}`));
  });
  running.set(child, defaultSignal);
  installExitHook();
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    exit,
    exited: () => exitInfo !== undefined,
    exitDescription: () => exitInfo ?? 'running',
    stop: (signal = defaultSignal) => {
      stopping ??= (async () => {
        if (exitInfo !== undefined) return;
        child.kill(signal);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
        });
        const forced = await Promise.race([exit.then(() => false), timedOut]);
        clearTimeout(timer);
        if (forced) {
          child.kill('SIGKILL');
          await exit;
        }
      })();
      return stopping;
    },
  };
}

// A normal exit of this process (even process.exit) takes its children along; kill -9 is the
// watchdog's job (watchdog.ts).
const running = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, signal] of running) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  });
}

export function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free loopback port'))));
    });
  });
}

/**
 * Kills the process a pid file names if it is still alive and really is ours: its command line
 * must contain `marker` (the data folder), so a recycled pid of an unrelated process is left alone.
 */
export async function killStaleProcess(pidFile: string, marker: string, signal: NodeJS.Signals): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0].trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isAlive(pid)) return undefined;
  if (!commandLineOf(pid).includes(marker)) return undefined;
  process.kill(pid, signal);
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(50);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped) still answers signal 0.
    return !/^\d+ \(.*\) Z/.test(readProc(pid, 'stat'));
  } catch {
    return false;
  }
}

function commandLineOf(pid: number): string {
  return readProc(pid, 'cmdline').replace(/\0/g, ' ');
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function readLogSince(file: string, start: number): string {
  try {
    const text = fs.readFileSync(file);
    return text.subarray(Math.min(start, text.length)).toString('utf8');
  } catch {
    return '';
  }
}

export function logTail(file: string, start: number, lines = 30): string {
  const text = readLogSince(file, start).trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : `(${file} is empty)`;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
