import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Config } from '../../shared/infra/config.js';
import { AppError, unauthorized } from '../../shared/errors.js';
import type { Metrics } from '../../shared/infra/metrics.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

function bearerMatches(req: Request, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * `/metrics` on the api's public port. Policy: with `METRICS_TOKEN` it answers only
 * `Authorization: Bearer <METRICS_TOKEN>`; without one it is open in development and test, and
 * absent (404) in production, where Prometheus scrapes each instance's `API_METRICS_PORT`, a port
 * to keep on the private network.
 */
export function metricsRoutes(metrics: Metrics, config: Pick<Config, 'METRICS_TOKEN' | 'NODE_ENV'>): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (config.METRICS_TOKEN !== undefined) {
      if (!bearerMatches(req, config.METRICS_TOKEN)) throw unauthorized('metrics need Authorization: Bearer <METRICS_TOKEN>');
    } else if (config.NODE_ENV === 'production') {
      throw new AppError(404, 'not_found', 'route_not_found', 'metrics are served on API_METRICS_PORT (or here with METRICS_TOKEN)');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
