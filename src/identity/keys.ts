import crypto, { type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDevelopmentMode, type HubConfig } from '../config';

/** Picks the key that may have signed a token, from its header; undefined = no such key. */
export type KeyResolver = (header: { kid?: string; alg?: string }) => KeyObject | undefined;

/** `kid` of tokens signed with the development key, so a dev token is recognisable. */
export const DEV_KEY_ID = 'sharehub-dev';

export interface DevKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** Where the development key pair lives inside DATA_DIR. */
export function devKeyPaths(dataDir: string): { privateKeyFile: string; publicKeyFile: string } {
  return {
    privateKeyFile: path.join(dataDir, 'dev-jwt-private.pem'),
    publicKeyFile: path.join(dataDir, 'dev-jwt-public.pem'),
  };
}

/**
 * The hub's own signing key for development mode (SPEC §2: `npm run token` uses it). Generated
 * once and kept, so tokens minted earlier stay valid across restarts.
 */
export function ensureDevKeyPair(dataDir: string): DevKeyPair {
  const { privateKeyFile, publicKeyFile } = devKeyPaths(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(privateKeyFile)) {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // link() never overwrites: when the hub and `npm run token` race, one key wins for both.
    const tmp = `${privateKeyFile}.${process.pid}.${crypto.randomUUID()}.tmp`;
    fs.writeFileSync(tmp, pem, { mode: 0o600 });
    try {
      fs.linkSync(tmp, privateKeyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  const privateKeyPem = fs.readFileSync(privateKeyFile, 'utf8');
  const publicKey = crypto.createPublicKey(privateKeyPem);
  assertSupportedKey(publicKey, privateKeyFile);
  // The public file is derived from the private one, so it can always be rewritten safely.
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!fs.existsSync(publicKeyFile) || fs.readFileSync(publicKeyFile, 'utf8') !== publicKeyPem) {
    const tmp = `${publicKeyFile}.${process.pid}.${crypto.randomUUID()}.tmp`;
    fs.writeFileSync(tmp, publicKeyPem, { mode: 0o644 });
    fs.renameSync(tmp, publicKeyFile);
  }
  return { privateKeyPem, publicKeyPem };
}

/**
 * Builds the key lookup from the configuration (SPEC §2). Bad key files fail here, at start-up,
 * rather than turning every request into a 401.
 */
export function loadKeyResolver(config: HubConfig): KeyResolver {
  if (config.jwtPublicKeyFile) {
    const key = crypto.createPublicKey(fs.readFileSync(config.jwtPublicKeyFile, 'utf8'));
    assertSupportedKey(key, config.jwtPublicKeyFile);
    return () => key;
  }
  if (config.jwksFile) {
    return jwksResolver(readJwks(config.jwksFile), config.jwksFile);
  }
  if (!isDevelopmentMode(config)) throw new Error('No JWT verification key configured');
  const devKey = crypto.createPublicKey(ensureDevKeyPair(config.dataDir).publicKeyPem);
  return (header) => (header.kid === undefined || header.kid === DEV_KEY_ID ? devKey : undefined);
}

interface SigningJwk extends JsonWebKey {
  kid?: string;
  alg?: string;
  use?: string;
}

function readJwks(file: string): SigningJwk[] {
  const jwks = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error(`${file}: not a JWKS (no "keys" array)`);
  return jwks.keys as SigningJwk[];
}

/** Resolves by `kid`; a kid-less token is accepted only when the set holds exactly one key. */
export function jwksResolver(jwks: readonly SigningJwk[], source = 'JWKS'): KeyResolver {
  const entries = jwks
    .filter((jwk) => jwk.use === undefined || jwk.use === 'sig') // encryption keys never verify tokens
    .map((jwk, index) => {
      if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') throw new Error(`${source}: key ${index} is not an RSA or EC key`);
      const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
      assertSupportedKey(key, `${source}: key ${jwk.kid ?? index}`);
      return { kid: jwk.kid, alg: jwk.alg, key };
    });
  return (header) => {
    const entry = header.kid === undefined ? (entries.length === 1 ? entries[0] : undefined) : entries.find((candidate) => candidate.kid === header.kid);
    // A JWK pinned to one algorithm must not verify a token claiming another.
    if (!entry || (entry.alg !== undefined && entry.alg !== header.alg)) return undefined;
    return entry.key;
  };
}

/** Only the key types of the accepted algorithms: RSA (RS256, at least 2048 bits) and EC P-256 (ES256). */
function assertSupportedKey(key: KeyObject, where: string): void {
  const details = key.asymmetricKeyDetails;
  const ok =
    (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) || (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1');
  if (!ok) throw new Error(`${where}: only RSA (2048 bits or more) and EC P-256 public keys are supported`);
}
