import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { idOf } from '../id-of.js';
import type { ProrationBehavior } from './proration.js';

export interface PhaseInput {
  items: Array<{ price: Stripe.Price; quantity: number }>;
  start: number;
  end: number;
  prorationBehavior: ProrationBehavior;
}

export function buildPhase(input: PhaseInput): Stripe.SubscriptionSchedule.Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency: input.items[0]?.price.currency ?? 'usd',
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: input.end,
    invoice_settings: null,
    items: input.items.map(({ price, quantity }) => ({
      billing_thresholds: null, discounts: [], metadata: {}, plan: price.id, price: price.id, quantity, tax_rates: [],
    })),
    metadata: {},
    on_behalf_of: null,
    proration_behavior: input.prorationBehavior,
    start_date: input.start,
    transfer_data: null,
    trial_end: null,
  };
}

/** A schedule taking over `subscription` (`from_subscription`): one phase, its current period on its current items. */
export function buildScheduleFromSubscription(ctx: SimContext, subscription: Stripe.Subscription): Stripe.SubscriptionSchedule {
  const start = Math.min(...subscription.items.data.map((item) => item.current_period_start));
  const end = Math.min(...subscription.items.data.map((item) => item.current_period_end));
  return {
    id: ctx.ids.next('sub_sched'),
    object: 'subscription_schedule',
    application: null,
    billing_mode: { flexible: null, type: 'classic' },
    canceled_at: null,
    completed_at: null,
    created: ctx.clock.now(),
    current_phase: { start_date: start, end_date: end },
    customer: idOf(subscription.customer) ?? '',
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      billing_cycle_anchor: 'automatic',
      billing_thresholds: null,
      collection_method: 'charge_automatically',
      default_payment_method: null,
      description: null,
      invoice_settings: { account_tax_ids: null, custom_fields: null, days_until_due: null, description: null, footer: null, issuer: { type: 'self' } },
      on_behalf_of: null,
      transfer_data: null,
    },
    end_behavior: 'release',
    livemode: false,
    metadata: {},
    pause_schedules: [],
    phases: [buildPhase({ items: subscription.items.data.map((item) => ({ price: item.price, quantity: item.quantity ?? 1 })), start, end, prorationBehavior: 'create_prorations' })],
    released_at: null,
    released_subscription: null,
    status: 'active',
    subscription: subscription.id,
    test_clock: null,
  };
}
