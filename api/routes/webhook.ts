import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { Context } from '../../shared/context.js';
import { currentCorrelation } from '../../shared/infra/correlation.js';
import { badRequest, internalError, unavailable } from '../../shared/errors.js';
import { enqueueEvent } from '../../shared/events/enqueue.js';
import { eventFamily } from '../../shared/events/event-types.js';
import { recordEvent } from '../../shared/events/inbox.js';
import { withTimeout } from '../../shared/infra/lifecycle.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import { bodyDeadline, signatureGate, signatureToleranceSeconds } from '../middleware/webhook-guards.js';

/** Snapshot events (`object: "event"`) and thin events (`object: "v2.core.event"`, event destinations). */
const envelope = z.union([
  z.object({
    id: z.string().regex(/^evt_\w+$/).max(255),
    object: z.literal('event'),
    type: z.string().min(1).max(255),
    api_version: z.string().max(64).nullable().optional(),
    created: z.number().int().nonnegative(),
    livemode: z.boolean(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
  }),
  z.object({
    id: z.string().regex(/^evt_\w+$/).max(255),
    object: z.literal('v2.core.event'),
    type: z.string().regex(/^v1\.[\w.]+$/).max(255),
    created: z.iso.datetime({ offset: true }),
    livemode: z.boolean(),
    related_object: z.object({ id: z.string().min(1), type: z.string().min(1) }).optional(),
  }),
]);

/**
 * Verifies the signature over the exact bytes against every configured secret (rotation), with the
 * same tolerance as the header gate (which also refuses timestamps from the future), then parses. The same check serves snapshot and thin events.
 */
function verify(stripe: Stripe, body: Buffer, signature: string | undefined, secrets: readonly string[]): unknown {
  if (!signature) throw badRequest('missing_signature', 'the Stripe-Signature header is missing');
  const signatures = stripe.webhooks.signature;
  if (!signatures) throw internalError('signature_verification_missing', 'the stripe package offers no signature verification');
  const verified = secrets.some((secret) => {
    try {
      return signatures.verifyHeader(body, signature, secret, signatureToleranceSeconds);
    } catch {
      return false;
    }
  });
  if (!verified) throw badRequest('invalid_signature', 'the signature does not match any configured secret, or its timestamp is outside the tolerance');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw badRequest('invalid_json', 'the body is not JSON');
  }
}

/**
 * `POST /webhooks/stripe`. Ack policy: answer 2xx only once the event is durable in the inbox.
 * Verify → insert (ON CONFLICT DO NOTHING) → enqueue (best effort: if Redis is down the relay in
 * the workers enqueues the row later) → 200. Postgres down → 503 and Stripe retries.
 */
export function webhookRoutes(context: Pick<Context, 'config' | 'db' | 'shards' | 'stripe' | 'logger' | 'metrics'>): Router {
  const { config, metrics, logger } = context;
  const router = Router();
  // The header is judged before the body is read, and the body must arrive within its deadline.
  const readBody = [signatureGate(metrics), bodyDeadline(config.WEBHOOK_BODY_TIMEOUT_MS, metrics), express.raw({ type: () => true, limit: config.WEBHOOK_MAX_BYTES })];
  router.post('/webhooks/stripe', ...readBody, async (req: Request, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let parsed: z.infer<typeof envelope>;
    let payload: unknown;
    try {
      payload = verify(context.stripe, body, req.get('stripe-signature'), config.STRIPE_WEBHOOK_SECRET);
      const result = envelope.safeParse(payload);
      if (!result.success) throw badRequest('invalid_event', 'the body is not a Stripe event');
      parsed = result.data;
    } catch (error) {
      metrics.webhookEvents.inc({ type: 'unknown', outcome: 'rejected' });
      throw error;
    }
    const handled = eventFamily(parsed.type) !== undefined;
    const correlationId = currentCorrelation()?.correlationId ?? parsed.id;
    // Ack policy: whatever stops the insert (Postgres down, a connection dropped mid-query, pool
    // exhausted), the event is not durable, so the answer is 503 and Stripe delivers it again.
    const isNew = await recordEvent(context.db, {
      id: parsed.id,
      type: parsed.type,
      api_version: parsed.object === 'event' ? (parsed.api_version ?? null) : null,
      livemode: parsed.livemode,
      stripe_created: parsed.object === 'event' ? new Date(parsed.created * 1000) : new Date(parsed.created),
      payload,
      status: handled ? 'received' : 'ignored',
      correlation_id: correlationId,
    }).catch((error: unknown) => {
      logger.warn('event could not be recorded; answering 503 so Stripe retries', { eventId: parsed.id, error });
      throw unavailable('inbox_unavailable', 'the event could not be recorded; retry later');
    });
    const outcome = !isNew ? 'duplicate' : handled ? 'accepted' : 'ignored';
    metrics.webhookEvents.inc({ type: handled ? parsed.type : 'unhandled', outcome });
    if (isNew && handled) {
      try {
        await withTimeout(enqueueEvent(context.shards, { id: parsed.id, type: parsed.type, correlationId, payload }), config.WEBHOOK_ENQUEUE_TIMEOUT_MS, 'enqueue');
      } catch (error) {
        logger.warn('event recorded but not enqueued; the relay will enqueue it', { eventId: parsed.id, error });
      }
    }
    res.json({ received: true });
  });
  return router;
}
