import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import { isTransient } from '../retry-policy.js';
import type { Stripe } from '../infra/stripe.js';
import { oldestSendable } from './record-parts.js';

export interface SendOutcome { sent: number; failed: number; expired: number }

interface PartRow { id: string; event_name: string; window_start: Date; quantity: number | string; identifier: string }

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * Sends a customer's parts in `statuses` (pending ones, or failed ones when repairing), oldest
 * first and one at a time: one request in flight per customer, so per customer and meter. Each is
 * sent with its identifier (Stripe counts an identifier once) and, as the idempotency key, the same
 * identifier (a retry within Stripe's 24 hours gets the first answer back); a repair uses fresh keys.
 *
 * Policy: a transient failure (429, 5xx, network) is recorded and rethrown, so the job retries
 * with the service's retry policy and the part stays pending; a refusal (4xx) marks the part
 * `failed` and goes on with the others: the parity check reports it. A part that has grown older
 * than Stripe accepts is `expired`, never sent.
 */
export async function sendParts(context: Context, stripe: Stripe, customerId: string, options: { statuses?: readonly string[]; ids?: readonly string[]; now?: () => Date; repair?: boolean } = {}): Promise<SendOutcome> {
  const { db } = context;
  const now = options.now ?? (() => new Date());
  const outcome: SendOutcome = { sent: 0, failed: 0, expired: 0 };
  const customer = await db('customers').where({ id: customerId }).first<{ stripe_customer_id: string | null } | undefined>('stripe_customer_id');
  // Not (yet) a Stripe customer: nothing can be billed; the parts wait for the customer to exist.
  if (!customer?.stripe_customer_id) return outcome;
  let query = db('meter_export_windows').where({ customer_id: customerId }).whereIn('status', options.statuses ?? ['pending']);
  if (options.ids) query = query.whereIn('id', options.ids);
  const parts = await query.orderBy([{ column: 'window_start' }, { column: 'part' }]).select<PartRow[]>('id', 'event_name', 'window_start', 'quantity', 'identifier');
  for (const part of parts) {
    if (part.window_start < oldestSendable(now())) {
      await db('meter_export_windows').where({ id: part.id }).update({ status: 'expired', last_error: 'older than the 35 days Stripe accepts' });
      outcome.expired += 1;
      continue;
    }
    try {
      await stripe.billing.meterEvents.create({
        event_name: part.event_name,
        payload: { stripe_customer_id: customer.stripe_customer_id, value: String(part.quantity) },
        identifier: part.identifier,
        timestamp: Math.floor(part.window_start.getTime() / 1000),
      // A repair re-sends a part Stripe answered but does not hold: a new idempotency key, or Stripe
      // would replay its first answer; the identifier still keeps it from counting twice.
      }, { idempotencyKey: options.repair ? `${part.identifier}-repair-${randomUUID()}` : part.identifier });
    } catch (error) {
      const transient = isTransient(error);
      await db('meter_export_windows').where({ id: part.id })
        .update({ attempts: db.raw('attempts + 1'), last_error: errorText(error), ...(!transient && { status: 'failed' }) });
      if (transient) throw error;
      context.logger.warn('meter event refused', { customerId, identifier: part.identifier, error });
      outcome.failed += 1;
      continue;
    }
    await db('meter_export_windows').where({ id: part.id }).update({ status: 'sent', attempts: db.raw('attempts + 1'), last_error: null, sent_at: db.fn.now() });
    outcome.sent += 1;
  }
  return outcome;
}
