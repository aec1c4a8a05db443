import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import supertest from 'supertest';
import { HUB_ADMIN } from '../support/personas';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({ ...HUB_ADMIN, iss: t.config.jwtIssuer, aud: t.config.jwtAudience, exp: now() + 600 });
const get = (token?: string) => {
  const req = supertest(t.app).get('/fhir/Organization');
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
};

async function expect401(token: string | undefined, reason?: RegExp): Promise<void> {
  const res = await get(token);
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(res.body.resourceType).toBe('OperationOutcome');
  if (reason) expect(res.body.issue[0].details.text).toMatch(reason);
  if (token) expect(JSON.stringify(res.body)).not.toContain(token);
}

describe('bearer authentication (SPEC §2)', () => {
  it('accepts a valid token', async () => {
    expect((await get(t.adminToken)).status).toBe(200);
  });

  it('refuses a request with no token, or a non-bearer scheme', async () => {
    await expect401(undefined, /Missing bearer token/);
    const basic = await supertest(t.app).get('/fhir/Organization').set('Authorization', 'Basic YWRtaW46YWRtaW4=');
    expect(basic.status).toBe(401);
  });

  it('refuses alg none', async () => {
    await expect401(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(validClaims())}.`, /algorithm/);
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const publicPem = fs.readFileSync(path.join(t.config.dataDir, 'dev-jwt-public.pem'), 'utf8');
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(validClaims())}`;
    const signature = createHmac('sha256', publicPem).update(unsigned).digest('base64url');
    await expect401(`${unsigned}.${signature}`, /algorithm/);
  });

  it('refuses an expired token, and tolerates 60 s of clock skew', async () => {
    await expect401(t.token(HUB_ADMIN, { expiresInSeconds: -120 }), /expired/);
    expect((await get(t.token(HUB_ADMIN, { expiresInSeconds: -30 }))).status).toBe(200);
  });

  it('refuses a wrong audience or issuer, and a missing sub', async () => {
    const { mintDevToken } = await import('../../src/identity/mint-token');
    const key = fs.readFileSync(path.join(t.config.dataDir, 'dev-jwt-private.pem'), 'utf8');
    await expect401(mintDevToken(key, HUB_ADMIN, { issuer: t.config.jwtIssuer, audience: 'https://other.example/fhir' }), /audience/);
    await expect401(mintDevToken(key, HUB_ADMIN, { issuer: 'https://evil.example', audience: t.config.jwtAudience }), /issuer/);
    await expect401(t.token({ role: 'hub-admin', scope: 'system/*.cruds' }), /subject/);
  });

  it('refuses a token whose signature was tampered with', async () => {
    const [h, , s] = t.adminToken.split('.');
    await expect401(`${h}.${b64({ ...validClaims(), role: 'hub-admin', sub: 'someone-else' })}.${s}`, /signature/);
  });

  it('refuses unknown roles and role claims that are missing', async () => {
    await expect401(t.token({ sub: 'x', role: 'superuser', scope: 'user/*.cruds' }), /role/);
    await expect401(t.token({ sub: 'x', role: 'practitioner', scope: 'user/*.rs' }), /nihii/);
    await expect401(t.token({ sub: 'x', role: 'patient', scope: 'patient/*.rs' }), /ssin/);
  });
});

describe('rights bounded by role and scopes', () => {
  it('lets an unregistered professional see nothing, not even the registry, and write nothing', async () => {
    await t.admin().put('/fhir/Organization/visible-to-admin').send({ resourceType: 'Organization', id: 'visible-to-admin', name: 'X' });
    const practitioner = t.token({ sub: 'p', role: 'practitioner', nihii: '10000000001', profession: 'physician', scope: 'user/*.cruds' });
    const read = await supertest(t.app).get('/fhir/Organization/visible-to-admin').set('Authorization', `Bearer ${practitioner}`);
    expect(read.status).toBe(404);
    const search = await supertest(t.app).get('/fhir/Organization?_summary=count').set('Authorization', `Bearer ${practitioner}`);
    expect(search.body.total).toBe(0);
    const write = await supertest(t.app)
      .post('/fhir/Organization')
      .set('Authorization', `Bearer ${practitioner}`)
      .set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Organization', name: 'sneaky' });
    expect(write.status).toBe(403);
  });

  it('bounds even hub-admin by its scopes: no scope, no data', async () => {
    const noScope = t.token({ sub: 'a', role: 'hub-admin' });
    const res = await supertest(t.app).get('/fhir/Organization/visible-to-admin').set('Authorization', `Bearer ${noScope}`);
    expect(res.status).toBe(404);
    const readOnly = t.token({ sub: 'a', role: 'hub-admin', scope: 'system/Organization.rs' });
    const write = await supertest(t.app)
      .post('/fhir/Organization')
      .set('Authorization', `Bearer ${readOnly}`)
      .set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Organization', name: 'no write scope' });
    expect(write.status).toBe(403);
  });

  it('lets no client write an AuditEvent, hub-admin included', async () => {
    const created = await t
      .admin()
      .post('/fhir/AuditEvent')
      .send({
        resourceType: 'AuditEvent',
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
        recorded: new Date().toISOString(),
        agent: [{ requestor: true, who: { display: 'someone' } }],
        source: { observer: { display: 'sharehub' } },
      });
    expect(created.status).toBe(403);
  });
});
