import { OperationOutcomeError, getStatus } from '@medplum/core';
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { loadConfig, type HubConfig } from '../../src/config';
import { ensureDevKeyPair, loadKeyResolver } from '../../src/identity/keys';
import { mintDevToken } from '../../src/identity/mint-token';
import { createTokenVerifier } from '../../src/identity/verify-token';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'https://sharehub.example/fhir';

const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherEc = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (key: KeyObject): string => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-identity-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => tmpDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function configWith(env: Record<string, string>): HubConfig {
  return loadConfig({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, DATA_DIR: tmpDir(), ...env });
}

/** Verifier trusting one PEM public key, as with JWT_PUBLIC_KEY_FILE. */
function pemVerifier(publicKey: KeyObject): ReturnType<typeof createTokenVerifier> {
  const file = path.join(tmpDir(), 'public.pem');
  fs.writeFileSync(file, pem(publicKey));
  const config = configWith({ JWT_PUBLIC_KEY_FILE: file });
  return createTokenVerifier(config, loadKeyResolver(config));
}

function jwksVerifier(keys: object[]): ReturnType<typeof createTokenVerifier> {
  const file = path.join(tmpDir(), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys }));
  const config = configWith({ JWKS_FILE: file });
  return createTokenVerifier(config, loadKeyResolver(config));
}

const now = (): number => Math.floor(Date.now() / 1000);
const gp = { sub: 'user-anna', role: 'practitioner', nihii: '10000000001', profession: 'physician', scope: 'user/*.rs' };

function sign(claims: object, key: KeyObject = ec.privateKey, options: jwt.SignOptions = {}): string {
  return jwt.sign({ iss: ISSUER, aud: AUDIENCE, exp: now() + 600, ...claims }, key, { algorithm: 'ES256', ...options });
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OperationOutcomeError);
    const outcome = (err as OperationOutcomeError).outcome;
    expect(getStatus(outcome)).toBe(401);
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'login' });
    return outcome.issue[0].details?.text;
  }
  throw new Error('expected the token to be rejected');
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('accepted tokens', () => {
  const verifyEc = pemVerifier(ec.publicKey);

  test('ES256 with a PEM key gives the practitioner principal', () => {
    expect(verifyEc(sign({ ...gp, organization: '71000001', client_id: 'ehr-x', ssin: '85073003328' }))).toEqual({
      sub: 'user-anna',
      role: 'practitioner',
      nihii: '10000000001',
      profession: 'physician',
      organization: '71000001',
      scopes: ['user/*.rs'],
      clientId: 'ehr-x',
    });
  });

  test('RS256 with a PEM key', () => {
    const token = sign({ ...gp, aud: ['other', AUDIENCE], azp: 'portal' }, rsa.privateKey, { algorithm: 'RS256' });
    expect(pemVerifier(rsa.publicKey)(token)).toMatchObject({ role: 'practitioner', clientId: 'portal' });
  });

  test('a missing scope is an empty scope list, still authenticated', () => {
    const { scope: _scope, ...noScope } = gp;
    expect(verifyEc(sign(noScope)).scopes).toEqual([]);
    expect(verifyEc(sign({ ...gp, scope: '  patient/*.rs   openid ' })).scopes).toEqual(['patient/*.rs', 'openid']);
  });

  test('expired by 30 s is still accepted (60 s clock skew)', () => {
    expect(verifyEc(sign({ ...gp, exp: now() - 30 })).sub).toBe('user-anna');
  });

  test('patient, guarantor, hub-admin and hub roles', () => {
    expect(verifyEc(sign({ sub: 'p1', role: 'patient', ssin: '85073003328' }))).toEqual({ sub: 'p1', role: 'patient', ssin: '85073003328', scopes: [] });
    expect(verifyEc(sign({ sub: 'g1', role: 'guarantor', organization: '0123456749' })).organization).toBe('0123456749');
    expect(verifyEc(sign({ sub: 'a1', role: 'hub-admin' })).role).toBe('hub-admin');
    const hub = verifyEc(sign({ sub: 'peer', role: 'hub', hub_id: 'hub-wallonia', scope: 'user/DocumentReference.rs', act: gp }));
    expect(hub).toMatchObject({ role: 'hub', hubId: 'hub-wallonia', scopes: ['user/DocumentReference.rs'] });
    expect(hub.actor).toMatchObject({ sub: 'user-anna', role: 'practitioner', nihii: '10000000001', profession: 'physician' });
  });

  test('JWKS: selected by kid, or the only key without kid', () => {
    const ecJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' };
    const rsaJwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256' };
    const verify = jwksVerifier([ecJwk, rsaJwk]);
    expect(verify(sign(gp, ec.privateKey, { keyid: 'ec-1' })).sub).toBe('user-anna');
    expect(verify(sign(gp, rsa.privateKey, { algorithm: 'RS256', keyid: 'rsa-1' })).sub).toBe('user-anna');
    expect(jwksVerifier([ecJwk])(sign(gp)).sub).toBe('user-anna');
  });

  test('a dev token minted with the dev key is accepted in development mode', () => {
    const config = configWith({});
    const { privateKeyPem } = ensureDevKeyPair(config.dataDir);
    const token = mintDevToken(privateKeyPem, gp, { issuer: config.jwtIssuer, audience: config.jwtAudience });
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ alg: 'ES256', kid: 'sharehub-dev' });
    expect(createTokenVerifier(config, loadKeyResolver(config))(token).nihii).toBe('10000000001');
  });
});

describe('rejected tokens', () => {
  const verifyEc = pemVerifier(ec.publicKey);
  const verifyRsa = pemVerifier(rsa.publicKey);

  test('alg none', () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...gp, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`;
    expect(reasonOf(() => verifyEc(token))).toBe('Unsupported token algorithm');
  });

  test('HS256 signed with the public key PEM as secret (key confusion)', () => {
    for (const [verify, publicKey] of [
      [verifyRsa, rsa.publicKey],
      [verifyEc, ec.publicKey],
    ] as const) {
      const token = jwt.sign({ ...gp, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }, pem(publicKey), { algorithm: 'HS256' });
      expect(reasonOf(() => verify(token))).toBe('Unsupported token algorithm');
    }
  });

  test('other algorithms, even asymmetric ones', () => {
    const rs512 = sign(gp, rsa.privateKey, { algorithm: 'RS512' });
    expect(reasonOf(() => verifyRsa(rs512))).toBe('Unsupported token algorithm');
  });

  test('an algorithm that does not match the key type', () => {
    const rs256 = sign(gp, rsa.privateKey, { algorithm: 'RS256' });
    expect(reasonOf(() => verifyEc(rs256))).toBe('Token algorithm does not match its key');
  });

  test('expired beyond the 60 s skew', () => {
    expect(reasonOf(() => verifyEc(sign({ ...gp, exp: now() - 120 })))).toBe('Token expired');
  });

  test('not yet valid', () => {
    expect(reasonOf(() => verifyEc(sign({ ...gp, nbf: now() + 300 })))).toBe('Token not yet valid');
  });

  test('wrong audience, wrong issuer', () => {
    expect(reasonOf(() => verifyEc(sign({ ...gp, aud: 'https://elsewhere.example' })))).toBe('Invalid token audience');
    expect(reasonOf(() => verifyEc(sign({ ...gp, iss: 'https://evil.example' })))).toBe('Invalid token issuer');
  });

  test('missing sub, missing exp', () => {
    const { sub: _sub, ...noSub } = gp;
    expect(reasonOf(() => verifyEc(sign(noSub)))).toBe('Missing token subject');
    const noExp = jwt.sign({ ...gp, iss: ISSUER, aud: AUDIENCE }, ec.privateKey, { algorithm: 'ES256' });
    expect(reasonOf(() => verifyEc(noExp))).toBe('Missing token expiry');
  });

  test('unknown role and missing role claims', () => {
    expect(reasonOf(() => verifyEc(sign({ ...gp, role: 'superuser' })))).toBe('Invalid token role');
    const { nihii: _nihii, ...noNihii } = gp;
    expect(reasonOf(() => verifyEc(sign(noNihii)))).toMatch(/nihii/);
    expect(reasonOf(() => verifyEc(sign({ ...gp, nihii: '1234' })))).toMatch(/nihii/);
    expect(reasonOf(() => verifyEc(sign({ ...gp, profession: '' })))).toMatch(/profession/);
    expect(reasonOf(() => verifyEc(sign({ sub: 'p1', role: 'patient' })))).toMatch(/ssin/);
    expect(reasonOf(() => verifyEc(sign({ sub: 'i1', role: 'institution-admin' })))).toMatch(/organization/);
  });

  test('hub without act, with an invalid act, or acting for a hub', () => {
    const hub = { sub: 'peer', role: 'hub', hub_id: 'hub-wallonia' };
    expect(reasonOf(() => verifyEc(sign(hub)))).toMatch(/'act'/);
    expect(reasonOf(() => verifyEc(sign({ ...hub, act: { sub: 'x', role: 'practitioner', profession: 'nurse' } })))).toMatch(/act\.nihii/);
    expect(reasonOf(() => verifyEc(sign({ ...hub, act: { ...hub, act: gp } })))).toBe('Invalid token act.role');
  });

  test('signed by another key', () => {
    expect(reasonOf(() => verifyEc(sign(gp, otherEc.privateKey)))).toBe('Invalid token signature');
  });

  test('malformed tokens', () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c', '...', `${b64({ alg: 'ES256' })}.!!!.sig`]) {
      expect(reasonOf(() => verifyEc(token))).toBe('Malformed token');
    }
  });

  test('JWKS: unknown kid, or no kid with several keys', () => {
    const verify = jwksVerifier([
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
      { ...otherEc.publicKey.export({ format: 'jwk' }), kid: 'ec-2' },
    ]);
    expect(reasonOf(() => verify(sign(gp, ec.privateKey, { keyid: 'ec-9' })))).toBe('Unknown token signing key');
    expect(reasonOf(() => verify(sign(gp)))).toBe('Unknown token signing key');
    expect(reasonOf(() => verify(sign(gp, ec.privateKey, { keyid: 'ec-2' })))).toBe('Invalid token signature');
  });

  test('the outcome never echoes the token', () => {
    expect.hasAssertions();
    const token = sign({ ...gp, aud: 'nope' });
    try {
      verifyEc(token);
    } catch (err) {
      const text = JSON.stringify((err as OperationOutcomeError).outcome) + (err as Error).message;
      for (const part of token.split('.')) expect(text).not.toContain(part);
    }
  });
});

describe('ensureDevKeyPair', () => {
  test('generates an ES256 key pair once and reuses it', () => {
    const dir = path.join(tmpDir(), 'nested', 'data');
    const first = ensureDevKeyPair(dir);
    const privateFile = path.join(dir, 'dev-jwt-private.pem');
    expect(fs.statSync(privateFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'dev-jwt-public.pem'), 'utf8')).toBe(first.publicKeyPem);
    const key = crypto.createPublicKey(first.publicKeyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ensureDevKeyPair(dir)).toEqual(first);
    expect(fs.readdirSync(dir).sort()).toEqual(['dev-jwt-private.pem', 'dev-jwt-public.pem']);
  });
});
