import { Router } from 'express';
import type { Context } from '../../shared/context.js';
import { checkDependencies } from '../../shared/infra/readiness.js';

/**
 * `/healthz`: the process answers. `/readyz`: Postgres and Redis answer (503 naming which does
 * not, as `down` only: the reason is logged), and the instance is not stopping (503 `draining`,
 * so a balancer sends it nothing new).
 */
export function healthRoutes(context: Pick<Context, 'db' | 'redis' | 'logger'>, isDraining: () => boolean = () => false): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, checks } = await checkDependencies(context.db, context.redis, context.logger);
    if (isDraining()) {
      res.status(503).json({ status: 'draining', checks });
      return;
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
