import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { createGrant } from '../../../shared/grants/create-grant.js';
import { createGrantSchema, revokeGrantSchema } from '../../../shared/grants/grant-requests.js';
import { grantColumns, type GrantRow } from '../../../shared/grants/grant-rows.js';
import { revokeGrant } from '../../../shared/grants/revoke-grant.js';
import { adminActor } from '../admin-actor.js';
import { parseInput } from '../parse-input.js';

const listQuery = z.strictObject({ customer: z.string({ error: 'is required' }).min(1, 'is required') });

/**
 * `POST /admin/grants` → 201 the grant; `GET /admin/grants?customer=` → every grant of the customer,
 * newest first (revoked and expired ones too); `DELETE /admin/grants/:id` (reason in the JSON body or
 * the query) → 200 the revoked grant, 404 unknown, 409 already revoked.
 */
export function grantRoutes(context: Context, admin: RequestHandler): Router {
  const router = Router();
  const createSchema = createGrantSchema();
  router.post('/admin/grants', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const grant = await createGrant(context, parseInput(createSchema, req.body, 'body'), adminActor(res));
    res.status(201).json(grant);
  });
  router.get('/admin/grants', admin, async (req, res) => {
    const { customer: ref } = parseInput(listQuery, req.query, 'query');
    const customer = await requireCustomer(context.db, ref);
    const grants = await context.db('grants').where({ customer_id: customer.id }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .select<GrantRow[]>(...grantColumns);
    res.json({ data: grants });
  });
  router.delete('/admin/grants/:id', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const body: unknown = req.body;
    const fromBody = body && typeof body === 'object' && 'reason' in body ? (body).reason : undefined;
    const { reason } = parseInput(revokeGrantSchema, { reason: fromBody ?? req.query.reason }, 'body');
    res.json(await revokeGrant(context, String(req.params.id), reason, adminActor(res)));
  });
  return router;
}
