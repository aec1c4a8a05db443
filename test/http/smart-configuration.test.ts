import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import { parseScopes } from '../../src/policy/smart-scopes';
import { startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

/** `/fhir/.well-known/smart-configuration` says what the hub really accepts, and nothing it does not have. */
let t: NetworkHub;
let config: Record<string, unknown>;
const anna = { sub: 'gp-anna-peeters', role: 'practitioner', nihii: '11234578003', profession: 'physician' };

beforeAll(async () => {
  t = await startNetworkHub();
  const res = await supertest(t.app).get('/fhir/.well-known/smart-configuration');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  config = res.body;
});
afterAll(async () => {
  await t.close();
});

describe('SMART configuration', () => {
  it('is public, names the issuer whose tokens the hub accepts, and the accepted algorithms', async () => {
    expect(config.issuer).toBe(t.config.jwtIssuer);
    expect(config.token_signing_alg_values_supported).toEqual(['RS256', 'ES256']);
    // A token from another issuer, or signed with HS256, is refused.
    const foreign = jwt.sign({ ...anna, scope: 'user/*.rs' }, 'not-the-key', {
      algorithm: 'HS256',
      issuer: t.config.jwtIssuer,
      audience: t.config.jwtAudience,
      expiresIn: 60,
    });
    expect((await supertest(t.app).get(`/fhir/Patient/${MARIE}`).set('Authorization', `Bearer ${foreign}`)).status).toBe(401);
  });

  it('advertises no endpoint or grant the hub does not have (it is a resource server; tokens come from the issuer)', () => {
    for (const absent of [
      'authorization_endpoint',
      'token_endpoint',
      'registration_endpoint',
      'introspection_endpoint',
      'revocation_endpoint',
      'jwks_uri',
      'management_endpoint',
    ]) {
      expect([absent, config[absent]]).toEqual([absent, undefined]);
    }
    expect(config.grant_types_supported).toEqual([]);
    const capabilities = config.capabilities as string[];
    expect(capabilities).toEqual(expect.arrayContaining(['permission-v2', 'permission-patient', 'permission-user']));
    for (const c of capabilities) expect(c).not.toMatch(/^(launch-|sso-|client-|context-|authorize-)/);
  });

  it('offers only scopes the policy parses, and they are enforced as offered', async () => {
    const scopes = config.scopes_supported as string[];
    expect(scopes).toEqual(expect.arrayContaining(['patient/*.rs', 'user/*.cruds', 'user/DocumentReference.rs', 'system/*.rs']));
    for (const scope of scopes) expect([scope, parseScopes([scope]).length]).toEqual([scope, 1]);
    // user/Patient.rs lets Anna read her patient; the same token reads no Consent.
    const patientOnly = t.token({ ...anna, scope: 'user/Patient.rs' });
    expect((await supertest(t.app).get(`/fhir/Patient/${MARIE}`).set('Authorization', `Bearer ${patientOnly}`)).status).toBe(200);
    const consents = await supertest(t.app).get(`/fhir/Consent?patient=${MARIE}`).set('Authorization', `Bearer ${patientOnly}`);
    expect(consents.body.total).toBe(0);
    const withConsents = await supertest(t.app)
      .get(`/fhir/Consent?patient=${MARIE}`)
      .set('Authorization', `Bearer ${t.token({ ...anna, scope: 'user/Consent.rs' })}`);
    expect(withConsents.body.total).toBeGreaterThan(0);
  });
});
