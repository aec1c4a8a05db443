import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log';

/**
 * One JSON line per request: method, path (no query string: it can hold SSINs), status, duration,
 * request id. The id is echoed in `X-Request-Id` so a caller can quote it.
 */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const requestId = sanitizeId(req.header('x-request-id')) ?? randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      log.info('request', {
        requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}

function sanitizeId(id: string | undefined): string | undefined {
  return id && /^[A-Za-z0-9._-]{1,64}$/.test(id) ? id : undefined;
}
