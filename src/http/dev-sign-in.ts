import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import type { Hub } from '../hub-parts';
import { ensureDevKeyPair } from '../identity/keys';
import { mintDevToken } from '../identity/mint-token';
import { escapeHtml } from '../web/view-page';

export const DEV_AUTHORIZE_PATH = '/web/dev-sign-in/authorize';
export const DEV_TOKEN_PATH = '/web/dev-sign-in/token';

/** Codes live one minute and are used once, like a real provider's. */
const CODE_LIFETIME_MS = 60_000;
const TOKEN_LIFETIME_S = 3600;

interface Persona {
  description?: string;
  claims: Record<string, unknown>;
}

interface PendingCode {
  persona: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  expires: number;
}

/** Which personas each view offers: the roles that view is for. */
const VIEW_ROLES: Record<string, string> = { '/portal/': 'patient', '/pro/': 'practitioner' };

/**
 * The demo sign-in of development mode (SPEC §12): a tiny authorization server with the same
 * shape as the network's OpenID Connect provider (authorization code + PKCE S256), whose login
 * step is a persona picker and whose tokens come from the development key. The views run the
 * same SMART launch code against it as against the real provider. Mounted only in development
 * mode (src/http/web-views.ts).
 */
export function devSignIn(hub: Hub): express.Router {
  const router = express.Router();
  const personas = readPersonas();
  const codes = new Map<string, PendingCode>();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

  router.get(DEV_AUTHORIZE_PATH, (req, res) => {
    const request = authorizationRequest(req, hub.config.smartClientId);
    if (typeof request === 'string') return sendError(res, request);
    const role = VIEW_ROLES[new URL(request.redirectUri).pathname];
    const offered = Object.entries(personas).filter(([, p]) => p.claims.role === role);
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(pickerPage(request, offered, language(req)));
  });

  router.post(DEV_AUTHORIZE_PATH, form, (req, res) => {
    const request = authorizationRequest(req, hub.config.smartClientId);
    if (typeof request === 'string') return sendError(res, request);
    const name = String((req.body as Record<string, unknown>)?.persona ?? '');
    const persona = Object.hasOwn(personas, name) ? personas[name] : undefined;
    if (!persona || persona.claims.role !== VIEW_ROLES[new URL(request.redirectUri).pathname]) return sendError(res, 'unknown persona for this view');
    sweep(codes);
    const code = crypto.randomBytes(32).toString('base64url');
    codes.set(code, {
      persona: name,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      challenge: request.challenge,
      expires: Date.now() + CODE_LIFETIME_MS,
    });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', request.state);
    res.redirect(303, target.toString());
  });

  router.post(DEV_TOKEN_PATH, form, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    if (field('grant_type') !== 'authorization_code') return void res.status(400).json({ error: 'unsupported_grant_type' });
    const pending = codes.get(field('code'));
    codes.delete(field('code'));
    const verifier = field('code_verifier');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    if (
      !pending ||
      pending.expires < Date.now() ||
      pending.clientId !== field('client_id') ||
      pending.redirectUri !== field('redirect_uri') ||
      verifier.length < 43 ||
      !sameText(challenge, pending.challenge)
    ) {
      return void res.status(400).json({ error: 'invalid_grant' });
    }
    const persona = personas[pending.persona];
    const claims: Record<string, unknown> = { sub: pending.persona, ...persona.claims };
    const { privateKeyPem } = ensureDevKeyPair(hub.config.dataDir);
    const accessToken = mintDevToken(privateKeyPem, claims, {
      issuer: hub.config.jwtIssuer,
      audience: hub.config.jwtAudience,
      expiresInSeconds: TOKEN_LIFETIME_S,
    });
    res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, scope: String(claims.scope ?? '') });
  });
  return router;
}

interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  challenge: string;
  scope: string;
  uiLocales: string;
}

/** The SMART authorization request, checked as a provider would: known client, our own views as redirect, PKCE S256. */
function authorizationRequest(req: Request, clientId: string): AuthorizationRequest | string {
  const source = { ...(req.query as Record<string, unknown>), ...((req.body ?? {}) as Record<string, unknown>) };
  const value = (name: string) => (typeof source[name] === 'string' ? (source[name] as string) : '');
  if (value('response_type') !== 'code') return 'response_type must be code';
  if (value('client_id') !== clientId) return 'unknown client_id';
  let redirect: URL;
  try {
    redirect = new URL(value('redirect_uri'));
  } catch {
    return 'invalid redirect_uri';
  }
  if (redirect.host !== req.get('host') || !VIEW_ROLES[redirect.pathname] || redirect.search || redirect.hash)
    return 'redirect_uri is not one of the hub views';
  if (value('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(value('code_challenge'))) return 'PKCE with S256 is required';
  if (!value('state')) return 'state is required';
  return {
    clientId,
    redirectUri: redirect.toString(),
    state: value('state'),
    challenge: value('code_challenge'),
    scope: value('scope'),
    uiLocales: value('ui_locales'),
  };
}

function sendError(res: Response, message: string): void {
  res.status(400).type('text/plain').send(`sign-in request refused: ${message}`);
}

function sweep(codes: Map<string, PendingCode>): void {
  const now = Date.now();
  for (const [code, pending] of codes) if (pending.expires < now) codes.delete(code);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function readPersonas(): Record<string, Persona> {
  const file = process.env.SHAREHUB_PERSONAS_FILE || path.resolve(__dirname, '..', '..', 'fixtures', 'personas.json');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { personas?: Record<string, Persona> };
  return parsed.personas ?? {};
}

type Language = 'en' | 'fr' | 'nl';
const TEXT: Record<Language, { title: string; intro: string; choose: string }> = {
  en: {
    title: 'Demo sign-in',
    intro: 'Development mode: choose a persona of the demo network. Its token is signed with the development key.',
    choose: 'Sign in as',
  },
  fr: {
    title: 'Connexion de démonstration',
    intro: 'Mode développement : choisissez un personnage du réseau de démonstration. Son jeton est signé avec la clé de développement.',
    choose: 'Se connecter en tant que',
  },
  nl: {
    title: 'Demo-aanmelding',
    intro: 'Ontwikkelmodus: kies een persona van het demonetwerk. Het token wordt ondertekend met de ontwikkelsleutel.',
    choose: 'Aanmelden als',
  },
};

function language(req: Request): Language {
  const wanted = `${typeof req.query.ui_locales === 'string' ? req.query.ui_locales : ''} ${req.get('accept-language') ?? ''}`;
  const first = /\b(en|fr|nl)\b/i.exec(wanted)?.[1]?.toLowerCase();
  return (first as Language | undefined) ?? 'en';
}

function pickerPage(request: AuthorizationRequest, personas: [string, Persona][], lang: Language): string {
  const t = TEXT[lang];
  const hidden = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    scope: request.scope,
    ui_locales: request.uiLocales,
  };
  const fields = Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const items = personas
    .map(
      ([name, p]) =>
        `<li><button type="submit" name="persona" value="${escapeHtml(name)}" class="persona"><span class="persona-name">${escapeHtml(name)}</span><span class="persona-description">${escapeHtml(p.description ?? '')}</span></button></li>`
    )
    .join('');
  return `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sharehub — ${escapeHtml(t.title)}</title><link rel="stylesheet" href="/web/static/style.css"></head>
<body><header class="top"><p class="brand">sharehub</p></header>
<main id="main" class="sign-in"><h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.intro)}</p>
<form method="post" action="${DEV_AUTHORIZE_PATH}">${fields}<fieldset><legend>${escapeHtml(t.choose)}</legend><ul class="personas">${items}</ul></fieldset></form>
</main></body></html>
`;
}
