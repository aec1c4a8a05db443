import jwt from 'jsonwebtoken';
import { DEV_KEY_ID } from './keys';

export interface MintOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly expiresInSeconds?: number;
}

/**
 * Signs a development token (ES256, kid `sharehub-dev`) with the dev private key; for
 * `npm run token` and tests only. iss, aud, iat and exp always come from the options, so a
 * persona's claims cannot make a token the server would not accept.
 */
export function mintDevToken(privateKeyPem: string, claims: Record<string, unknown>, options: MintOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ...claims,
    iss: options.issuer,
    aud: options.audience,
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
  };
  return jwt.sign(payload, privateKeyPem, { algorithm: 'ES256', keyid: DEV_KEY_ID });
}
