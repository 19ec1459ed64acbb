import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import {
  deliveryColumns, endpointColumns, endpointSchemas, findEndpoint, newSecret, replayDelivery, type DeliveryRow, type WebhookEndpoint,
} from '../../../shared/notify/webhook-endpoints.js';
import { writeAudit } from '../../../shared/audit.js';
import { adminActor } from '../admin-actor.js';
import { parseInput } from '../parse-input.js';

const deliveriesQuery = z.strictObject({ status: z.enum(['pending', 'succeeded', 'dead']).optional() });

/**
 * Outbound webhook endpoints (scope admin): `POST` registers one and shows its signing secret once;
 * list, read, `PATCH` (url, events, description, `enabled: false` to disable), rotate the secret
 * (the old one keeps signing for `expire_previous_in_hours`), delete; list an endpoint's recent
 * deliveries and replay one. Every write is audited, secrets never.
 */
export function webhookEndpointRoutes(context: Pick<Context, 'config' | 'db' | 'queues' | 'shards'>, admin: RequestHandler): Router {
  const router = Router();
  const { db } = context;
  const schemas = endpointSchemas(context);
  const body = express.json({ limit: '16kb' });

  router.post('/admin/webhook-endpoints', admin, body, async (req, res) => {
    const input = parseInput(schemas.create, req.body, 'body');
    const secret = newSecret();
    const [endpoint] = await db('webhook_endpoints').insert({ url: input.url, events: input.events, description: input.description ?? null, secret })
      .returning<WebhookEndpoint[]>([...endpointColumns]);
    await writeAudit(db, adminActor(res), { action: 'webhook_endpoint.created', subjectType: 'webhook_endpoint', subjectId: endpoint.id, after: endpoint });
    res.status(201).json({ ...endpoint, secret });
  });

  router.get('/admin/webhook-endpoints', admin, async (_req, res) => {
    res.json({ data: await db('webhook_endpoints').orderBy('created_at').select<WebhookEndpoint[]>(...endpointColumns) });
  });

  router.get('/admin/webhook-endpoints/:id', admin, async (req, res) => {
    res.json(await findEndpoint(context, String(req.params.id)));
  });

  router.patch('/admin/webhook-endpoints/:id', admin, body, async (req, res) => {
    const before = await findEndpoint(context, String(req.params.id));
    const input = parseInput(schemas.update, req.body, 'body');
    const [after] = await db('webhook_endpoints').where({ id: before.id }).update({ ...input, updated_at: db.fn.now() }).returning<WebhookEndpoint[]>([...endpointColumns]);
    await writeAudit(db, adminActor(res), { action: 'webhook_endpoint.updated', subjectType: 'webhook_endpoint', subjectId: before.id, before, after });
    res.json(after);
  });

  router.post('/admin/webhook-endpoints/:id/rotate-secret', admin, body, async (req, res) => {
    const endpoint = await findEndpoint(context, String(req.params.id));
    const { expire_previous_in_hours: hours } = parseInput(schemas.rotate, req.body ?? {}, 'body');
    const secret = newSecret();
    await db('webhook_endpoints').where({ id: endpoint.id }).update({
      previous_secret: hours > 0 ? db.ref('secret') : null,
      previous_secret_expires_at: hours > 0 ? new Date(Date.now() + hours * 3_600_000) : null,
      secret, updated_at: db.fn.now(),
    });
    await writeAudit(db, adminActor(res), { action: 'webhook_endpoint.secret_rotated', subjectType: 'webhook_endpoint', subjectId: endpoint.id, reason: `previous secret valid for ${hours} h` });
    res.json({ ...endpoint, secret });
  });

  router.delete('/admin/webhook-endpoints/:id', admin, async (req, res) => {
    const endpoint = await findEndpoint(context, String(req.params.id));
    await db('webhook_endpoints').where({ id: endpoint.id }).delete();
    await writeAudit(db, adminActor(res), { action: 'webhook_endpoint.deleted', subjectType: 'webhook_endpoint', subjectId: endpoint.id, before: endpoint });
    res.json({ id: endpoint.id, deleted: true });
  });

  router.get('/admin/webhook-endpoints/:id/deliveries', admin, async (req, res) => {
    const endpoint = await findEndpoint(context, String(req.params.id));
    const { status } = parseInput(deliveriesQuery, req.query, 'query');
    const rows = await db('webhook_deliveries').where({ endpoint_id: endpoint.id, ...(status && { status }) })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(100).select<DeliveryRow[]>(...deliveryColumns);
    res.json({ data: rows });
  });

  router.post('/admin/webhook-deliveries/:id/replay', admin, async (req, res) => {
    const delivery = await replayDelivery(context, String(req.params.id));
    await writeAudit(db, adminActor(res), { action: 'webhook_delivery.replayed', subjectType: 'webhook_delivery', subjectId: delivery.id, reason: `event ${delivery.event_id}` });
    res.status(202).json(delivery);
  });
  return router;
}
