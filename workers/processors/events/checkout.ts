import { userId as userIdSchema } from '../../../shared/checkout/requests.js';
import type { FamilyProcessor } from './decision.js';
import { idOf } from './decision.js';

/**
 * `checkout.session.completed`: links the app's user (`client_reference_id`, else
 * `metadata.user_id`) to the Stripe customer right away (the link must not depend on which sync
 * job survives deduplication), then syncs that customer. One user, one customer: a user already
 * linked to another customer keeps that link.
 */
export const checkoutEvents: FamilyProcessor = async (context, object) => {
  const stripeCustomerId = idOf(object.customer);
  if (!stripeCustomerId) return { kind: 'done', note: 'checkout session without customer' };
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  // The same user id alphabet the checkout and read APIs accept (e.g. `auth0|abc`).
  const candidate = userIdSchema.safeParse(object.client_reference_id ?? metadata.user_id);
  const userId = candidate.success ? candidate.data : undefined;
  if (userId) {
    await context.db.transaction(async (trx) => {
      const holder = await trx('customers').where({ user_id: userId }).first<{ stripe_customer_id: string | null } | undefined>('stripe_customer_id');
      if (holder && holder.stripe_customer_id !== stripeCustomerId) {
        context.logger.warn('user already linked to another customer; keeping the existing link', { stripeCustomerId, existing: holder.stripe_customer_id });
        return;
      }
      await trx('customers')
        .insert({ stripe_customer_id: stripeCustomerId, user_id: userId })
        .onConflict('stripe_customer_id')
        .merge({ user_id: trx.raw('coalesce(customers.user_id, excluded.user_id)'), updated_at: trx.fn.now() });
    });
  }
  return { kind: 'sync-customer', stripeCustomerId };
};
