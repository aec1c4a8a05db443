import type { Language } from './i18n.js';

/** What the page tells the app (data attributes set by the hub, src/web/view-page.ts). */
export interface LaunchSettings {
  view: 'portal' | 'pro';
  fhirBase: string;
  clientId: string;
  audience: string;
  demo: boolean;
  authorizeUrl?: string;
  tokenUrl?: string;
}

/** The signed-in user: the access token and the claims the app displays (the hub checks them, not us). */
export interface Session {
  accessToken: string;
  expiresAt: number;
  claims: { sub?: string; role?: string; ssin?: string; nihii?: string; profession?: string; organization?: string };
}

const SCOPES: Record<LaunchSettings['view'], string> = {
  portal: 'openid fhirUser launch/patient patient/*.rs patient/Consent.cu patient/CareTeam.u patient/RelatedPerson.cu',
  pro: 'openid fhirUser user/*.cruds',
};

export function launchSettings(): LaunchSettings {
  const d = document.body.dataset;
  return {
    view: d.view === 'pro' ? 'pro' : 'portal',
    fhirBase: d.fhirBase ?? '/fhir',
    clientId: d.clientId ?? '',
    audience: d.audience ?? '',
    demo: d.demo === 'true',
    authorizeUrl: d.authorizeUrl,
    tokenUrl: d.tokenUrl,
  };
}

const sessionKey = (s: LaunchSettings) => `sharehub.${s.view}.session`;
const pendingKey = (s: LaunchSettings) => `sharehub.${s.view}.pending`;
const redirectUri = (s: LaunchSettings) => `${location.origin}/${s.view}/`;

/** SMART App Launch, step 1: authorization code request with PKCE (S256) and a state bound to this tab. */
export async function startSignIn(s: LaunchSettings, language: Language): Promise<void> {
  if (!s.authorizeUrl || !s.tokenUrl) throw new Error('sign-in not configured');
  const verifier = randomText(32);
  const state = randomText(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(pendingKey(s), JSON.stringify({ verifier, state }));
  const url = new URL(s.authorizeUrl, location.origin);
  const params = {
    response_type: 'code',
    client_id: s.clientId,
    redirect_uri: redirectUri(s),
    scope: SCOPES[s.view],
    state,
    aud: s.audience,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ui_locales: language,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.toString());
}

/**
 * SMART App Launch, step 2 (back from the provider with `code` and `state`): exchange the code with
 * its verifier. Otherwise the session of this tab, if it has not expired. Undefined = signed out.
 */
export async function currentSession(s: LaunchSettings): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (code) {
    history.replaceState(null, '', location.pathname);
    const pending = JSON.parse(sessionStorage.getItem(pendingKey(s)) ?? 'null') as { verifier: string; state: string } | null;
    sessionStorage.removeItem(pendingKey(s));
    if (!pending || pending.state !== params.get('state') || !s.tokenUrl) throw new Error('sign-in state mismatch');
    const res = await fetch(new URL(s.tokenUrl, location.origin).toString(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri(s),
        client_id: s.clientId,
        code_verifier: pending.verifier,
      }),
    });
    if (!res.ok) throw new Error('token exchange refused');
    const answer = (await res.json()) as { access_token: string; expires_in?: number };
    const session: Session = {
      accessToken: answer.access_token,
      expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000,
      claims: claimsOf(answer.access_token),
    };
    sessionStorage.setItem(sessionKey(s), JSON.stringify(session));
    return session;
  }
  const stored = JSON.parse(sessionStorage.getItem(sessionKey(s)) ?? 'null') as Session | null;
  return stored && stored.expiresAt > Date.now() ? stored : undefined;
}

export function signOut(s: LaunchSettings): void {
  sessionStorage.removeItem(sessionKey(s));
}

/** The token's claims, read for display only (who is signed in); the hub verifies the signature. */
function claimsOf(token: string): Session['claims'] {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)))) as Session['claims'];
  } catch {
    return {};
  }
}

function randomText(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
