import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { notFound } from '../../../shared/errors.js';
import { loadRun } from '../../../shared/reconcile/runs.js';
import { adminActor } from '../admin-actor.js';
import { parseInput } from '../parse-input.js';
import { startReconciliation } from '../start-reconciliation.js';

const requestBody = z.strictObject({
  customer: z.string().regex(/^(cus_[A-Za-z0-9]+|[\w.:@|+-]{1,200})$/, 'must be a Stripe customer id (cus_…) or a user id').optional(),
  since: z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or date-time' })
    .refine((text) => new Date(text).getTime() <= Date.now(), 'must not be in the future')
    .optional(),
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `POST /admin/reconciliations` `{customer?, since?}` → 202 `{id}`; `GET /admin/reconciliations/:id` → the run. */
export function reconciliationRoutes(context: Pick<Context, 'db' | 'queues'>, admin: RequestHandler): Router {
  const router = Router();
  router.post('/admin/reconciliations', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const params = parseInput(requestBody, req.body ?? {}, 'body');
    const { id } = await startReconciliation(context, params, adminActor(res));
    res.status(202).json({ id });
  });
  router.get('/admin/reconciliations/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    const run = uuid.test(id) ? await loadRun(context.db, id) : undefined;
    if (!run) throw notFound('reconciliation_not_found', `no reconciliation run ${id}`);
    res.json(run);
  });
  return router;
}
