#!/usr/bin/env node
// Builds the web views' front-end (web/app/*.ts -> .cache/web/app/*.js, plain ES modules served by
// the hub) with the project's own TypeScript compiler: no bundler, nothing to download. Run by
// `npm start` and `npm test`; never by hand.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join('web', 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('sharehub: building the web views failed (web/tsconfig.json)');
  process.exit(result.status ?? 1);
}
