#!/usr/bin/env node
// `npm start`: plain JavaScript because it runs before anything is installed or compiled.
// Installs dependencies when missing or stale, builds FerretDB when the embedded default will be
// used (MONGODB_URI unset), then runs src/main.ts, forwarding signals and its exit status.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Same rule as scripts/test.sh: no node_modules, or package-lock.json newer than the installed tree. */
function dependenciesStale() {
  const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
  const wanted = mtime(path.join(root, 'package-lock.json'));
  return installed === undefined || (wanted !== undefined && wanted > installed);
}

function runOrExit(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    console.error(`sharehub: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (dependenciesStale()) {
  // Exactly the committed lock file (reproducible installs).
  runOrExit('npm', ['ci', '--no-audit', '--no-fund']);
}
if (!process.env.MONGODB_URI) runOrExit('bash', [path.join('scripts', 'ferretdb-build.sh')]);
// The web views' scripts (/portal, /pro) are compiled from web/app on every start.
runOrExit(process.execPath, [path.join('scripts', 'build-web.js')]);

const server = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('src', 'main.ts')], {
  cwd: root,
  env: process.env,
  stdio: 'inherit',
});

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (server.exitCode === null && server.signalCode === null) server.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);

server.on('error', (error) => {
  console.error(`sharehub: could not start the server: ${error.message}`);
  process.exit(1);
});

server.on('exit', (code, signal) => {
  for (const s of forwarded) process.removeListener(s, forward);
  if (signal) {
    // Die of the same signal, so whoever started us sees what happened to the server.
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
