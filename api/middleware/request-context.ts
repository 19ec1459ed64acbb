import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withCorrelation } from '../../shared/infra/correlation.js';
import type { Logger } from '../../shared/infra/logger.js';
import type { Metrics } from '../../shared/infra/metrics.js';

const validRequestId = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id (kept from `X-Request-Id` when sane), runs the rest of the chain
 * inside that correlation, and writes one log line and one histogram sample per request.
 */
export function requestContext(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && validRequestId.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics.httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // Guarded: winston formats a line before dropping it by level, which costs the read path ~10 µs.
      if (route !== '/metrics' && route !== '/healthz' && logger.isLevelEnabled('http')) {
        logger.http('request', { requestId, method: req.method, route, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10 });
      }
    });
    withCorrelation({ correlationId: requestId, requestId }, next);
  };
}

/** The matched route pattern, never the raw path (ids in paths would explode label cardinality). */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}
