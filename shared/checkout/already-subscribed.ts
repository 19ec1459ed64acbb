import type { Db } from '../infra/db.js';
import { conflict } from '../errors.js';

/** Statuses in which a subscription still holds the price: a second checkout would double-bill. */
const holdingStatuses = ['active', 'trialing', 'past_due'] as const;

/**
 * 409 `already_subscribed` when the customer's mirrored subscriptions already hold this price in a
 * live status. Plan changes belong to the billing portal, which prorates instead of adding a second
 * subscription; the error says so and carries `portal: true`.
 */
export async function assertNotSubscribed(db: Db, localCustomerId: string, priceId: string): Promise<void> {
  const held = await db('subscriptions as s')
    .join('subscription_items as i', 'i.subscription_id', 's.id')
    .where({ 's.customer_id': localCustomerId, 'i.price_id': priceId })
    .whereIn('s.status', holdingStatuses)
    .first<{ id: string; status: string } | undefined>('s.id', 's.status');
  if (!held) return;
  throw conflict(
    'already_subscribed',
    `the user already has a ${held.status} subscription (${held.id}) to price ${priceId}; change plans in the billing portal (POST /v1/portal/sessions)`,
    { portal: true, subscription: held.id },
  );
}
