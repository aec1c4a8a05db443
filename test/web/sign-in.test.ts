/**
 * The views' pages and sign-in over HTTP (SPEC §12): the demo persona picker exists only in
 * development mode, the pages carry a strict Content-Security-Policy, and the demo sign-in is a
 * real authorization-code + PKCE exchange (wrong verifier, reused code: refused).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import type { Express } from 'express';
import { loadConfig } from '../../src/config';
import { createHub } from '../../src/create-hub';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { connectDatabase, type Database } from '../../src/store/database';
import { freshDatabaseName } from '../support/database';
import { startTestHub, type TestHub } from '../support/test-hub';
import { buildWebViews } from '../support/browser';

let dev: TestHub;
/** A hub outside development mode: tokens come from the network's provider (a key file), not the dev key. */
let production: { app: Express; database: Database };
let keyDir: string;

beforeAll(async () => {
  buildWebViews();
  dev = await startTestHub();
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-idp-'));
  const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = path.join(keyDir, 'idp.pem');
  fs.writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const config = loadConfig({
    DATA_DIR: keyDir,
    JWT_PUBLIC_KEY_FILE: keyFile,
    JWT_ISSUER: 'https://idp.network.example',
    SMART_AUTHORIZE_URL: 'https://idp.network.example/authorize',
    SMART_TOKEN_URL: 'https://idp.network.example/token',
    SMART_CLIENT_ID: 'sharehub-views',
  });
  const database = await connectDatabase(process.env.MONGODB_URI as string, freshDatabaseName('web-production'));
  const hub = await createHub({ ...config, mongodbUri: process.env.MONGODB_URI, databaseName: database.db.databaseName }, database, {
    log: createLogger('silent'),
  });
  production = { app: createApp(hub), database };
}, 120_000);

afterAll(async () => {
  await dev?.close();
  await production?.database.db.dropDatabase().catch(() => undefined);
  await production?.database.close();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

const HOST = '127.0.0.1:4000';
const verifier = crypto.randomBytes(32).toString('base64url');
const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
const authorizeQuery = (view = 'portal') =>
  new URLSearchParams({
    response_type: 'code',
    client_id: 'sharehub-web',
    redirect_uri: `http://${HOST}/${view}/`,
    state: 'xyz',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'openid',
  }).toString();

describe('pages', () => {
  it('serve both views with a strict CSP, no inline script, and the sign-in settings', async () => {
    for (const view of ['portal', 'pro']) {
      const res = await supertest(dev.app).get(`/${view}`);
      expect(res.status).toBe(200);
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.text).toContain(`src="/web/app/${view}.js"`);
      expect(res.text).not.toMatch(/<script>(?!<)/);
      expect(res.text).not.toMatch(/https?:\/\/(?!localhost|127\.0\.0\.1|sharehub\.example)/);
    }
    const script = await supertest(dev.app).get('/web/app/portal.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect((await supertest(dev.app).get('/web/static/style.css')).status).toBe(200);
  });

  it('outside development mode: the network provider in the page and CSP, and no persona picker at all', async () => {
    const page = await supertest(production.app).get('/portal/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-authorize-url="https://idp.network.example/authorize"');
    expect(page.text).toContain('data-client-id="sharehub-views"');
    expect(page.text).toContain('data-demo="false"');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self' https://idp.network.example");
    const picker = await supertest(production.app).get(`/web/dev-sign-in/authorize?${authorizeQuery()}`).set('Host', HOST);
    expect(picker.status).toBe(404);
    expect(picker.text).not.toContain('persona');
    const token = await supertest(production.app)
      .post('/web/dev-sign-in/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'x', code_verifier: verifier });
    expect(token.status).toBe(404);
  });
});

describe('caching', () => {
  it('FHIR answers, refusals included, are never stored by a browser or proxy cache', async () => {
    const token = dev.token({ sub: 'p', role: 'patient', ssin: '84031212638', scope: 'patient/*.rs' });
    for (const url of ['/fhir/Patient', '/fhir/Patient/nobody', '/fhir/AuditEvent']) {
      const res = await supertest(dev.app).get(url).set('Authorization', `Bearer ${token}`);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect((await supertest(dev.app).get('/fhir/Patient')).headers['cache-control']).toBe('no-store');
  });
});

describe('demo sign-in (development mode)', () => {
  it('offers the personas of the view and exchanges a code only with its PKCE verifier, once', async () => {
    const picker = await supertest(dev.app).get(`/web/dev-sign-in/authorize?${authorizeQuery()}`).set('Host', HOST);
    expect(picker.status).toBe(200);
    expect(picker.text).toContain('value="patient-marie-dubois"');
    expect(picker.text).not.toContain('value="gp-anna-peeters"');
    const chosen = await supertest(dev.app)
      .post('/web/dev-sign-in/authorize')
      .set('Host', HOST)
      .type('form')
      .send(`${authorizeQuery()}&persona=patient-marie-dubois`);
    expect(chosen.status).toBe(303);
    const back = new URL(chosen.headers.location);
    expect(`${back.origin}${back.pathname}`).toBe(`http://${HOST}/portal/`);
    expect(back.searchParams.get('state')).toBe('xyz');
    const code = back.searchParams.get('code') as string;
    const exchange = (codeVerifier: string) =>
      supertest(dev.app)
        .post('/web/dev-sign-in/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: 'sharehub-web', redirect_uri: `http://${HOST}/portal/` });
    expect((await exchange(crypto.randomBytes(32).toString('base64url'))).body).toEqual({ error: 'invalid_grant' });
    // The failed attempt used the code up: a stolen code is worth one guess.
    expect((await exchange(verifier)).body).toEqual({ error: 'invalid_grant' });

    const again = await supertest(dev.app)
      .post('/web/dev-sign-in/authorize')
      .set('Host', HOST)
      .type('form')
      .send(`${authorizeQuery()}&persona=patient-marie-dubois`);
    const code2 = new URL(again.headers.location).searchParams.get('code') as string;
    const ok = await supertest(dev.app)
      .post('/web/dev-sign-in/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: code2, code_verifier: verifier, client_id: 'sharehub-web', redirect_uri: `http://${HOST}/portal/` });
    expect(ok.status).toBe(200);
    const me = await supertest(dev.app).get('/fhir/Consent').set('Authorization', `Bearer ${ok.body.access_token}`);
    expect(me.status).toBe(200);
    const reused = await supertest(dev.app)
      .post('/web/dev-sign-in/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: code2, code_verifier: verifier, client_id: 'sharehub-web', redirect_uri: `http://${HOST}/portal/` });
    expect(reused.body).toEqual({ error: 'invalid_grant' });
  });

  it('refuses redirects outside the views, missing PKCE, and personas of the other view', async () => {
    const bad = (query: Record<string, string>) =>
      supertest(dev.app)
        .get(`/web/dev-sign-in/authorize?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(authorizeQuery())), ...query })}`)
        .set('Host', HOST);
    expect((await bad({ redirect_uri: 'https://evil.example/portal/' })).status).toBe(400);
    expect((await bad({ redirect_uri: `http://${HOST}/fhir/` })).status).toBe(400);
    expect((await bad({ code_challenge_method: 'plain' })).status).toBe(400);
    expect((await bad({ client_id: 'someone-else' })).status).toBe(400);
    const wrongView = await supertest(dev.app)
      .post('/web/dev-sign-in/authorize')
      .set('Host', HOST)
      .type('form')
      .send(`${authorizeQuery('pro')}&persona=patient-marie-dubois`);
    expect(wrongView.status).toBe(400);
  });
});
