import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `scripts/ferretdb-build.sh` builds FerretDB only when the cached binary is missing or another
 * version. Its check read `ferretdb --version` through `grep -q`, which stops reading at the
 * first match: the binary then died of SIGPIPE and, under `pipefail`, a good binary counted as
 * missing and was rebuilt (minutes of Go build in the middle of a test run). A stand-in binary
 * that prints its version and then more than a pipe holds makes that certain.
 */
describe('the FerretDB build script', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-ferretdb-build-'));
    fs.mkdirSync(path.join(root, 'scripts'));
    fs.mkdirSync(path.join(root, '.cache', 'bin'), { recursive: true });
    fs.copyFileSync(path.resolve(__dirname, '../../scripts/ferretdb-build.sh'), path.join(root, 'scripts', 'ferretdb-build.sh'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const standIn = (version: string) => {
    const bin = path.join(root, '.cache', 'bin', 'ferretdb');
    fs.writeFileSync(bin, `#!/usr/bin/env bash\necho "version: ${version}"\nfor i in $(seq 1 20000); do echo "commit: unknown $i"; done\n`);
    fs.chmodSync(bin, 0o755);
  };
  // A PATH of just the tools the script and the stand-in use, and no Go: a rebuild attempt ends at
  // once with "Go is needed" and never downloads anything, wherever Go is installed.
  const run = () => {
    const tools = path.join(root, 'tools');
    fs.mkdirSync(tools, { recursive: true });
    for (const tool of ['bash', 'grep', 'seq', 'dirname']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (!fs.existsSync(path.join(tools, tool))) fs.symlinkSync(found, path.join(tools, tool));
    }
    return spawnSync(path.join(tools, 'bash'), [path.join(root, 'scripts', 'ferretdb-build.sh')], { encoding: 'utf8', env: { PATH: tools, HOME: root } });
  };

  it('keeps a cached binary of the right version, however much it prints', () => {
    standIn('v1.24.2');
    for (let i = 0; i < 5; i++) {
      const result = run();
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    }
  });

  it('rebuilds a cached binary of another version', () => {
    standIn('v1.23.0');
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Go is needed to build FerretDB v1\.24\.2/);
  });
});
