/**
 * `npm run postman:env [-- --out <file>] [--base-url <url>] [--ttl <seconds>]`: writes a Postman
 * environment for a hub started with `npm start` (development mode): its base URL and a token for
 * every fixture persona, signed with the development key (Postman cannot sign ES256 itself).
 * Default output: .data/sharehub.postman_environment.json (never committed: tokens are secrets).
 * Import it in Postman next to postman/sharehub.postman_collection.json, or pass it to newman.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDevelopmentMode, loadConfig } from '../src/config';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { filledEnvironment } from './postman/environment';

function fail(message: string, exitCode: number): never {
  process.stderr.write(`postman:env: ${message}\n`);
  process.exit(exitCode);
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const value = argv[i].includes('=') ? argv[i].slice(name.length + 1) : argv[i + 1];
  if (!value) fail(`${name} needs a value`, 1);
  return value;
}

function main(): void {
  const argv = process.argv.slice(2);
  const config = loadConfig();
  // Same guard as `npm run token`: dev-key tokens only mean something to a hub in development mode.
  if (!isDevelopmentMode(config)) {
    fail(
      "refusing to mint: JWT_PUBLIC_KEY_FILE or JWKS_FILE is set, so the hub trusts an external issuer. Put that issuer's tokens in the environment instead.",
      2
    );
  }
  const { privateKeyFile } = devKeyPaths(config.dataDir);
  if (!fs.existsSync(privateKeyFile)) fail(`no development key in ${config.dataDir} yet. Start the hub first with \`npm start\`, then run this again.`, 2);
  const ttl = Number(option(argv, '--ttl') ?? 3600);
  if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl needs a positive number of seconds', 1);

  const { personas } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'personas.json'), 'utf8')) as {
    personas: Record<string, { claims: Record<string, unknown> }>;
  };
  const privateKey = fs.readFileSync(privateKeyFile, 'utf8');
  const mint = (persona: string) => {
    const claims = personas[persona]?.claims;
    if (!claims) fail(`the environment names persona '${persona}', which fixtures/personas.json does not have`, 1);
    return mintDevToken(privateKey, { sub: persona, ...claims }, { issuer: config.jwtIssuer, audience: config.jwtAudience, expiresInSeconds: ttl });
  };
  const environment = filledEnvironment(option(argv, '--base-url') ?? config.baseUrl, mint);
  const out = path.resolve(option(argv, '--out') ?? path.join(config.dataDir, 'sharehub.postman_environment.json'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(environment, null, 2) + '\n', { mode: 0o600 });
  process.stderr.write(`postman:env: wrote ${out} (baseUrl ${environment.values.find((v) => v.key === 'baseUrl')?.value}, tokens valid ${ttl} s)\n`);
  process.stdout.write(`${out}\n`);
}

main();
