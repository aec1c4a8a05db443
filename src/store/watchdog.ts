import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * A tiny process that outlives the hub by a few seconds to take the database processes with it:
 * it reads "watch <pid> <signal>" lines on a pipe from the hub, and when the pipe closes (the hub
 * exited, however: also `kill -9`, which no exit hook sees) it signals every watched process, then
 * SIGKILLs the ones still alive after 5 s. It ignores SIGINT/SIGTERM (a Ctrl-C reaches the whole
 * process group) so that it always gets to clean up.
 */
const WATCHDOG_SOURCE = `
const watched = new Map();
let buffer = '';
let done = false;
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
function cleanUp() {
  if (done) return;
  done = true;
  for (const [pid, signal] of watched) { try { process.kill(pid, signal); } catch {} }
  const deadline = Date.now() + 5000;
  const poll = setInterval(() => {
    const left = [...watched.keys()].filter(alive);
    if (left.length === 0 || Date.now() > deadline) {
      for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch {} }
      clearInterval(poll);
      process.exit(0);
    }
  }, 100);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf('\\n')) >= 0) {
    const [command, pid, signal] = buffer.slice(0, i).split(' ');
    buffer = buffer.slice(i + 1);
    if (command === 'watch') watched.set(Number(pid), signal);
    if (command === 'forget') watched.delete(Number(pid));
  }
});
process.stdin.on('end', cleanUp);
process.stdin.on('error', cleanUp);
`;

export interface Watchdog {
  readonly pid: number;
  watch(pid: number, signal: NodeJS.Signals): void;
  forget(pid: number): void;
  /** Closes the pipe: the watchdog stops whatever is still watched, then exits. */
  close(): void;
}

export function startWatchdog(): Watchdog {
  const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], { stdio: ['pipe', 'ignore', 'ignore'] });
  // Neither the process nor its pipe may keep the hub's event loop alive.
  child.unref();
  const pipe = child.stdin as Socket;
  pipe.unref();
  pipe.on('error', () => undefined);
  const send = (line: string): void => {
    if (!pipe.destroyed) pipe.write(`${line}\n`);
  };
  return {
    pid: child.pid ?? -1,
    watch: (pid, signal) => send(`watch ${pid} ${signal}`),
    forget: (pid) => send(`forget ${pid}`),
    close: () => pipe.end(),
  };
}
