import express, { type NextFunction, type Request, type Response } from 'express';
import { buildCapabilityStatement } from '../fhir/capability-statement';
import { databaseUnavailableOutcome } from '../fhir/database-unavailable';
import { declareFederation } from '../federation/capability';
import type { Hub } from '../hub-parts';
import { describeError } from '../log';
import { bodyErrors, fhirBody } from './body';
import { DOCUMENT_CONTENT_PATH, documentContent } from './content-endpoint';
import { federatedSearch } from './federated-search';
import { fhirEndpoint } from './fhir-endpoint';
import { authenticateCaller } from './peer-authentication';
import { peerContent } from './peer-content';
import { requestLog } from './request-log';
import { outcome, sendFhir, sendOutcome } from './send-fhir';
import { smartConfiguration } from './smart-configuration';
import { webViews } from './web-views';
import { message } from '../messages/message';

/** The HTTP face of the hub. Only /healthz, /readyz, the discovery documents and the web views' static pages are public. */
export function createApp(hub: Hub): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(requestLog(hub.log));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await hub.ready();
    if (!ready) res.setHeader('Retry-After', '1');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unreachable' });
  });

  const capability = declareFederation(buildCapabilityStatement(hub.router, hub.config.baseUrl, hub.version), hub.federation);
  const fhir = express.Router();
  fhir.use(fhirBody(hub.config.bodyLimitBytes));
  fhir.use(bodyErrors);
  fhir.get('/metadata', (req, res) => sendFhir(req, res, 200, capability));
  fhir.get('/.well-known/smart-configuration', (_req, res) => {
    res.json(smartConfiguration(hub.config));
  });
  // Answers carry one user's health data: no browser or proxy may keep them (a browser's HTTP
  // cache ignores Authorization and would serve them to the next user of that browser).
  fhir.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  fhir.use(authenticateCaller(hub));
  // Raw bytes, not FHIR JSON: the one read that does not go through the FHIR router.
  fhir.get(DOCUMENT_CONTENT_PATH, asyncMiddleware(peerContent(hub)), asyncHandler(documentContent(hub)));
  // Federation (SPEC §11): merges peers' results when asked; otherwise the plain search below.
  fhir.get('/DocumentReference', asyncMiddleware(federatedSearch(hub)));
  fhir.use(asyncHandler(fhirEndpoint(hub)));
  app.use('/fhir', fhir);
  // The web views of SPEC §12: static pages that call /fhir with the user's token like any client.
  app.use(webViews(hub));

  app.use((req: Request, res: Response) => sendOutcome(req, res, outcome('not-found', message('not-found')), 404));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const unavailable = databaseUnavailableOutcome(err);
    if (unavailable) {
      hub.log.warn('database unavailable', { requestId: res.locals.requestId, ...describeError(err) });
      if (!res.headersSent) sendOutcome(req, res, unavailable, 503);
      return;
    }
    hub.log.error('unhandled error', { requestId: res.locals.requestId, ...describeError(err) });
    if (!res.headersSent) sendOutcome(req, res, outcome('exception', message('internal-error')), 500);
  });
  return app;
}

function asyncMiddleware(fn: (req: Request, res: Response, next: NextFunction) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res, next).catch(next);
  };
}

function asyncHandler(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
