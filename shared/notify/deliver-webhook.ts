import type { Context } from '../context.js';
import { PermanentError } from '../errors.js';
import { BlockedUrlError, postWebhook } from './webhook-post.js';
import { signatureHeader, signatureHeaderName } from './webhook-signature.js';
import { urlPolicy } from './webhook-url.js';

interface DeliveryTarget {
  id: string; status: string; payload: { id: string; created?: string }; event_id: string; event_type: string; attempts: number;
  url: string; enabled: boolean; secret: string; previous_secret: string | null; previous_secret_expires_at: Date | null;
}

/** A non-2xx answer: retried with backoff (Stripe's rule for its own webhooks). */
export class EndpointRefusedError extends Error {
  constructor(readonly status: number) {
    super(`the endpoint answered ${status}`);
    this.name = 'EndpointRefusedError';
  }
}

/**
 * Delivers one recorded webhook: load → sign → POST → record. Signed with the endpoint's secret
 * (and the previous one while a rotation's overlap lasts). A 2xx marks it succeeded; anything else
 * throws, so the job retries with backoff; a blocked URL or a disabled or deleted endpoint fails
 * for good. Each attempt's outcome is written on the delivery row.
 */
export async function deliverWebhook(context: Pick<Context, 'config' | 'db' | 'metrics'>, deliveryId: string, now = () => new Date()): Promise<'succeeded' | 'skipped'> {
  const { db, config, metrics } = context;
  const target = await db('webhook_deliveries as d').join('webhook_endpoints as e', 'e.id', 'd.endpoint_id').where('d.id', deliveryId)
    .first<DeliveryTarget | undefined>('d.id', 'd.status', 'd.payload', 'd.event_id', 'd.event_type', 'd.attempts', 'e.url', 'e.enabled', 'e.secret', 'e.previous_secret', 'e.previous_secret_expires_at');
  if (!target || target.status === 'succeeded') return 'skipped';
  if (!target.enabled) throw new PermanentError('the endpoint is disabled', 'webhook_endpoint_disabled');
  const body = JSON.stringify(target.payload);
  const sentAt = now();
  const secrets = [target.secret, ...(target.previous_secret && target.previous_secret_expires_at && target.previous_secret_expires_at > sentAt ? [target.previous_secret] : [])];
  const headers = {
    [signatureHeaderName]: signatureHeader(body, secrets, Math.floor(sentAt.getTime() / 1000)),
    'Billing-Event-Id': target.event_id,
    'Billing-Event-Type': target.event_type,
    'Billing-Delivery-Id': target.id,
  };
  const record = (fields: Record<string, unknown>) => db('webhook_deliveries').where({ id: target.id }).update({ attempts: db.raw('attempts + 1'), ...fields });
  try {
    const result = await postWebhook(target.url, body, headers, urlPolicy(config), config.WEBHOOK_TIMEOUT_MS);
    const ok = result.status >= 200 && result.status < 300;
    metrics.webhookDeliveryDuration.observe({ outcome: ok ? 'succeeded' : 'failed' }, result.durationMs / 1000);
    if (!ok) {
      await record({ last_status_code: result.status, last_error: `HTTP ${result.status}` });
      throw new EndpointRefusedError(result.status);
    }
    await record({ status: 'succeeded', last_status_code: result.status, last_error: null, delivered_at: now() });
    metrics.webhookDeliveries.inc({ outcome: 'succeeded' });
    const created = target.payload.created ? Date.parse(target.payload.created) : NaN;
    if (Number.isFinite(created)) metrics.webhookDeliveryLatency.observe(Math.max(0, (now().getTime() - created) / 1000));
    return 'succeeded';
  } catch (error) {
    if (error instanceof EndpointRefusedError) {
      metrics.webhookDeliveries.inc({ outcome: 'failed' });
      throw error;
    }
    const blocked = error instanceof BlockedUrlError;
    metrics.webhookDeliveries.inc({ outcome: blocked ? 'blocked' : 'failed' });
    await record({ last_status_code: null, last_error: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
    throw error;
  }
}

/** After the last attempt (or a permanent failure): the delivery is dead, visible and replayable. */
export async function markDeliveryDead(context: Pick<Context, 'db' | 'metrics'>, deliveryId: string, error: Error): Promise<void> {
  await context.db('webhook_deliveries').where({ id: deliveryId }).whereNot({ status: 'succeeded' }).update({ status: 'dead', last_error: error.message.slice(0, 500) });
  context.metrics.webhookDeliveries.inc({ outcome: 'dead' });
}
