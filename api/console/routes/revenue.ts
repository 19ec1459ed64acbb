import { Router } from 'express';
import type { Context } from '../../../shared/context.js';
import { computeRevenue } from '../../../shared/domain/revenue.js';
import { viewerOf } from '../console-auth.js';
import { revenueInputs } from '../data/revenue-inputs.js';
import { revenuePage } from '../pages/revenue-page.js';
import { sendPage } from '../send-page.js';

/** How long one computation of the figures is shown before the mirror is read again. */
const freshForMs = 60_000;

/**
 * `GET /admin/console/revenue`: the mirror read once, the figures computed by the pure revenue
 * module. Policy: the figures are kept for a minute per api process (they move with billing
 * cycles, not seconds), so opening the page repeatedly does not re-read every subscription.
 */
export function revenueRoutes(context: Pick<Context, 'db'>): Router {
  const router = Router();
  let cached: { at: number; report: ReturnType<typeof computeRevenue> } | undefined;
  router.get('/revenue', async (_req, res) => {
    const now = Date.now();
    if (!cached || now - cached.at >= freshForMs) cached = { at: now, report: computeRevenue(await revenueInputs(context.db), new Date(now)) };
    sendPage(res, revenuePage(viewerOf(res), cached.report, new Date(cached.at)));
  });
  return router;
}
