/**
 * `npm run token -- <persona> [--ttl <seconds>]`: prints a development token for a fixture persona
 * (SPEC §2). Only the token goes to stdout, so `TOKEN=$(npm run -s token -- gp-anna-peeters)` works.
 * `npm run token` or `npm run token -- --list`: lists the personas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDevelopmentMode, loadConfig } from '../src/config';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';

interface Persona {
  description?: string;
  claims: Record<string, unknown>;
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(exitCode);
}

function readPersonas(): Record<string, Persona> {
  const file = process.env.SHAREHUB_PERSONAS_FILE || path.resolve(__dirname, '..', 'fixtures', 'personas.json');
  let parsed: { personas?: Record<string, Persona> };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read personas from ${file}: ${(err as Error).message}`, 1);
  }
  if (!parsed.personas || typeof parsed.personas !== 'object') fail(`${file} has no "personas" object`, 1);
  return parsed.personas;
}

function listing(personas: Record<string, Persona>): string {
  const names = Object.keys(personas).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((n) => `${n.padEnd(width)}  ${personas[n].description ?? ''}`.trimEnd()).join('\n') + '\n';
}

function parseArgs(argv: string[]): { persona?: string; list: boolean; ttl?: number } {
  const result: { persona?: string; list: boolean; ttl?: number } = { list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--list' || arg === '-l') result.list = true;
    else if (arg === '--ttl' || arg.startsWith('--ttl=')) {
      const value = arg === '--ttl' ? argv[++i] : arg.slice('--ttl='.length);
      const ttl = Number(value);
      if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl needs a positive number of seconds', 1);
      result.ttl = ttl;
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`, 1);
    else if (result.persona) fail('give one persona name', 1);
    else result.persona = arg;
  }
  return result;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const personas = readPersonas();
  if (args.list || !args.persona) {
    process.stdout.write(listing(personas));
    return;
  }
  const persona = personas[args.persona];
  if (!persona || typeof persona.claims !== 'object') {
    fail(`unknown persona '${args.persona}'; known personas:\n${listing(personas).trimEnd()}`, 1);
  }

  // The token is only worth anything to a hub that trusts the dev key, i.e. one in development mode.
  const config = loadConfig();
  if (!isDevelopmentMode(config)) {
    fail(
      'refusing to mint: JWT_PUBLIC_KEY_FILE or JWKS_FILE is set, so the hub trusts an external issuer, not the development key. Get a token from that issuer.',
      2
    );
  }
  const { privateKeyFile } = devKeyPaths(config.dataDir);
  if (!fs.existsSync(privateKeyFile)) {
    fail(`no development key in ${config.dataDir} yet. Start the hub first with \`npm start\` (it creates the key), then run this again.`, 2);
  }

  const claims: Record<string, unknown> = { sub: args.persona, ...persona.claims };
  const token = mintDevToken(fs.readFileSync(privateKeyFile, 'utf8'), claims, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresInSeconds: args.ttl ?? 3600,
  });
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `token for '${args.persona}' (${String(claims.role ?? 'no role')}), valid ${args.ttl ?? 3600} s. Use: curl -H "Authorization: Bearer $TOKEN" ...\n`
  );
}

main();
