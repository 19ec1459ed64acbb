import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import type { ReconciliationRun } from '../../../shared/reconcile/runs.js';
import { adminActor } from '../../admin/admin-actor.js';
import { parseInput } from '../../admin/parse-input.js';
import { startReconciliation } from '../../admin/start-reconciliation.js';
import { viewerOf } from '../console-auth.js';
import { noticeOf, reconciliationForm } from '../console-forms.js';
import { consoleBasePath } from '../layout.js';
import { reconciliationsPage } from '../pages/reconciliations-page.js';
import { redirectAfter, sendPage } from '../send-page.js';

const query = z.object({ done: z.string().optional() });

/** `GET /admin/console/reconciliations` and `POST` (start a run, through the JSON route's own function). */
export function reconciliationRoutes(context: Context, write: RequestHandler[]): Router {
  const router = Router();
  router.get('/reconciliations', async (req, res) => {
    const { done } = parseInput(query, req.query, 'query');
    const runs = await context.db('reconciliation_runs').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(50).select<ReconciliationRun[]>('*');
    sendPage(res, reconciliationsPage(viewerOf(res), runs, noticeOf(done)));
  });
  router.post('/reconciliations', ...write, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const params = parseInput(reconciliationForm, { customer: body.customer, since: body.since }, 'body');
    await startReconciliation(context, params, adminActor(res));
    redirectAfter(res, `${consoleBasePath}/reconciliations`, 'reconciliation');
  });
  return router;
}
