import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HubConfig } from '../config';
import { isDevelopmentMode } from '../config';

/** Where a development hub keeps the key it signs peer tokens with. */
export function devSigningKeyFile(dataDir: string): string {
  return path.join(dataDir, 'hub-signing-key.pem');
}

/**
 * The key this hub signs its peer tokens with (SPEC §11): HUB_SIGNING_KEY_FILE, or in development
 * mode a P-256 key generated once in DATA_DIR. Outside development mode a missing file stops the hub.
 */
export function loadSigningKey(config: HubConfig): KeyObject {
  const file = config.federation.signingKeyFile;
  if (file) return checked(crypto.createPrivateKey(fs.readFileSync(file, 'utf8')), file);
  if (!isDevelopmentMode(config)) throw new Error('HUB_SIGNING_KEY_FILE must be set outside development mode');
  return checked(ensureDevSigningKey(config.dataDir), devSigningKeyFile(config.dataDir));
}

export function ensureDevSigningKey(dataDir: string): KeyObject {
  const file = devSigningKeyFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return crypto.createPrivateKey(fs.readFileSync(file, 'utf8'));
}

/** The public half as a JWK with `kid` = hub_id, for the peers' PEER_JWKS_FILE. */
export function publicJwk(key: KeyObject, hubId: string): crypto.JsonWebKey & { kid: string; use: string; alg: string } {
  const jwk = crypto.createPublicKey(key).export({ format: 'jwk' });
  return { ...jwk, kid: hubId, use: 'sig', alg: key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256' };
}

function checked(key: KeyObject, where: string): KeyObject {
  const ok =
    (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') ||
    (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
  if (!ok) throw new Error(`${where}: only EC P-256 or RSA (2048 bits or more) private keys sign peer tokens`);
  return key;
}
