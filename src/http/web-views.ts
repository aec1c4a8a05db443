import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { isDevelopmentMode } from '../config';
import type { Hub } from '../hub-parts';
import { devSignIn, DEV_AUTHORIZE_PATH, DEV_TOKEN_PATH } from './dev-sign-in';
import { contentSecurityPolicy, renderViewPage, type SignInSettings, type ViewName } from '../web/view-page';

/** Where `npm start` / `npm test` put the compiled front-end (scripts/build-web.js); never edited by hand. */
export const WEB_BUILD_DIR = path.resolve(__dirname, '..', '..', '.cache', 'web');
const STATIC_DIR = path.resolve(__dirname, '..', '..', 'web', 'static');

/**
 * The web views of SPEC §12: `/portal` (patients and trusted persons) and `/pro` (professionals).
 * The hub serves only static pages and scripts here; the views read and write through the public
 * FHIR API with the user's own token, so they show exactly what the policy allows and add no rule.
 */
export function webViews(hub: Hub): express.Router {
  const router = express.Router();
  const signIn = signInSettings(hub);
  if (!fs.existsSync(path.join(WEB_BUILD_DIR, 'app', 'portal.js'))) {
    hub.log.warn('web views not built: run `node scripts/build-web.js` (npm start and npm test do it)', { dir: WEB_BUILD_DIR });
  }

  for (const view of ['portal', 'pro'] as const) {
    router.get([`/${view}`, `/${view}/`], (_req: Request, res: Response) => {
      securityHeaders(res, signIn);
      res.type('html').send(renderViewPage(view, signIn));
    });
  }
  const assets = { fallthrough: true, index: false, redirect: false, maxAge: 0 } as const;
  router.use('/web/app', (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  router.use('/web/app', express.static(path.join(WEB_BUILD_DIR, 'app'), assets));
  router.use('/web/static', express.static(STATIC_DIR, assets));
  // The persona picker exists only in development mode (SPEC §1, §12): outside it, no route at all.
  if (isDevelopmentMode(hub.config)) router.use(devSignIn(hub));
  return router;
}

/** Development mode signs in with the hub's demo sign-in; otherwise the network's OpenID Connect provider. */
export function signInSettings(hub: Hub): SignInSettings {
  const { config } = hub;
  if (isDevelopmentMode(config)) {
    return { authorizeUrl: DEV_AUTHORIZE_PATH, tokenUrl: DEV_TOKEN_PATH, clientId: config.smartClientId, audience: config.baseUrl, demo: true };
  }
  return { authorizeUrl: config.smartAuthorizeUrl, tokenUrl: config.smartTokenUrl, clientId: config.smartClientId, audience: config.baseUrl, demo: false };
}

function securityHeaders(res: Response, signIn: SignInSettings): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(signIn));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The authorization code travels in the page URL: never hand it to another site.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
}

export type { ViewName };
