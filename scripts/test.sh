#!/usr/bin/env bash
# The one test command: install if needed, build FerretDB, typecheck, run jest.
# Always ends with one plain line "N passed, N failed"; exits non-zero if anything failed.
# Extra arguments go to jest: npm test -- test/unit
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fail() {
  echo "sharehub: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Exactly the committed lock file, nothing else: a lock that npm ci refuses is a bug to fix.
  # (env -u: `npm --silent test`, as .ci/run uses, would otherwise silence the install's errors too.)
  env -u npm_config_loglevel npm ci --no-audit --no-fund \
    || fail "npm ci failed: package-lock.json does not match package.json"
fi

bash scripts/ferretdb-build.sh || fail "building FerretDB failed"

npx tsc --noEmit -p tsconfig.json || fail "typecheck failed (tsc --noEmit)"

# The web views' front-end (type-checked and compiled; the browser tests load it from the hub).
node scripts/build-web.js || fail "building the web views failed (web/tsconfig.json)"

rm -f test-results.json
npx jest --ci --json --outputFile=test-results.json "$@"
jest_code=$?

# A suite that failed to run (or a failing hook) counts as at least one failure, and a run
# with no tests at all is a failure, so a broken suite is never silent.
node - "$jest_code" <<'NODE'
const fs = require('node:fs');
const jestCode = Number(process.argv[2]);
let results;
try {
  results = JSON.parse(fs.readFileSync('test-results.json', 'utf8'));
} catch {
  console.error('sharehub: jest wrote no test-results.json');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
let failed = results.numFailedTests ?? 0;
for (const suite of results.testResults ?? []) {
  const failing = (suite.assertionResults ?? []).filter((a) => a.status === 'failed').length;
  if (suite.status === 'failed' && failing === 0) failed += 1;
}
if (jestCode !== 0 && failed === 0) failed = 1;
if ((results.numTotalTests ?? 0) === 0) {
  console.error('sharehub: jest ran no tests');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? Math.max(jestCode, 1) : jestCode);
NODE
