import { Router } from 'express';
import type { Context } from '../../shared/context.js';
import { pageHeaders, stylesheetPath } from '../../shared/pages/html.js';
import { pageStylesheet } from '../../shared/pages/stylesheet.js';
import { checkDependencies } from '../../shared/infra/readiness.js';
import { apiReferencePage } from '../pages/api-reference.js';
import { landingPage } from '../pages/landing.js';

/** The pages a person opens: `/` (start page), `/docs` (API reference) and their stylesheet. No key needed. */
export function pageRoutes(context: Pick<Context, 'db' | 'redis'>): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const { ready, checks } = await checkDependencies(context.db, context.redis);
    res.set(pageHeaders).send(landingPage({ ready, checks, origin: `${req.protocol}://${req.get('host') ?? 'localhost'}` }));
  });
  router.get('/docs', (_req, res) => {
    res.set(pageHeaders).send(apiReferencePage);
  });
  router.get(stylesheetPath, (_req, res) => {
    res.set({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }).send(pageStylesheet);
  });
  return router;
}
