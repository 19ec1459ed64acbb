import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Context } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { notifyEventTypes } from './entitlement-event.js';
import { enqueueDeliveries } from './webhook-jobs.js';
import { urlPolicy, urlProblem } from './webhook-url.js';

/** An endpoint as the admin API shows it: never its secret (shown once, at creation and rotation). */
export interface WebhookEndpoint {
  id: string; url: string; description: string | null; events: string[]; enabled: boolean; created_at: Date; updated_at: Date;
}
export const endpointColumns = ['id', 'url', 'description', 'events', 'enabled', 'created_at', 'updated_at'] as const;

const eventName = z.enum(['*', ...notifyEventTypes]);

/** Request bodies, with the URL checked against the SSRF policy of this deployment. */
export function endpointSchemas(context: Pick<Context, 'config'>) {
  const policy = urlPolicy(context.config);
  const url = z.string().max(2048).superRefine((text, ctx) => {
    const problem = urlProblem(text, policy);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  const description = z.string().max(500).nullable();
  const events = z.array(eventName).min(1).max(20);
  return {
    create: z.strictObject({ url, events: events.default(['*']), description: description.optional() }),
    update: z.strictObject({ url: url.optional(), events: events.optional(), description: description.optional(), enabled: z.boolean().optional() })
      .refine((body) => Object.keys(body).length > 0, 'give at least one of url, events, description, enabled'),
    rotate: z.strictObject({ expire_previous_in_hours: z.number().min(0).max(168).default(24) }),
  };
}

export const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

export async function findEndpoint(context: Pick<Context, 'db'>, id: string): Promise<WebhookEndpoint> {
  const row = /^[0-9a-f-]{36}$/i.test(id)
    ? await context.db('webhook_endpoints').where({ id }).first<WebhookEndpoint | undefined>(...endpointColumns)
    : undefined;
  if (!row) throw notFound('webhook_endpoint_not_found', `no webhook endpoint ${id}`);
  return row;
}

export interface DeliveryRow {
  id: string; endpoint_id: string; event_id: string; event_type: string; status: 'pending' | 'succeeded' | 'dead'; attempts: number;
  last_status_code: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null;
}
export const deliveryColumns = ['id', 'endpoint_id', 'event_id', 'event_type', 'status', 'attempts', 'last_status_code', 'last_error', 'created_at', 'delivered_at'] as const;

/** Queues a delivery again (a dead one, or one an app wants resent): it goes back to pending, attempts start over. */
export async function replayDelivery(context: Pick<Context, 'config' | 'db' | 'queues' | 'shards'>, id: string): Promise<DeliveryRow> {
  const [row] = /^[0-9a-f-]{36}$/i.test(id)
    ? await context.db('webhook_deliveries').where({ id }).update({ status: 'pending', last_error: null }).returning<DeliveryRow[]>([...deliveryColumns])
    : [];
  if (!row) throw notFound('webhook_delivery_not_found', `no webhook delivery ${id}`);
  const endpoint = await findEndpoint(context, row.endpoint_id);
  if (!endpoint.enabled) throw conflict('webhook_endpoint_disabled', 'enable the endpoint before replaying its deliveries');
  await enqueueDeliveries(context, [row.id], true);
  return row;
}
