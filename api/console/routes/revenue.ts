import { Router } from 'express';
import type { Context } from '../../../shared/context.js';
import { computeRevenue } from '../../../shared/domain/revenue.js';
import { viewerOf } from '../console-auth.js';
import { revenueInputs } from '../data/revenue-inputs.js';
import { revenuePage } from '../pages/revenue-page.js';
import { sendPage } from '../send-page.js';

/** `GET /admin/console/revenue`: the mirror read once, the figures computed by the pure revenue module. */
export function revenueRoutes(context: Context): Router {
  const router = Router();
  router.get('/revenue', async (_req, res) => {
    sendPage(res, revenuePage(viewerOf(res), computeRevenue(await revenueInputs(context.db), new Date())));
  });
  return router;
}
