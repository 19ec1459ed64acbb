import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { addInterval, secondsPerDay } from '../objects/period.js';
import { buildSubscription } from '../objects/subscription.js';
import { refreshEntitlements } from './entitlements.js';
import { issueInvoice } from './invoicing.js';
import { idOf } from '../id-of.js';
import { liveCustomer, mustGet } from './lookup.js';
import { unitAmountIn } from './money.js';
import type { TrialEndBehaviour } from '../store.js';

export interface NewSubscription {
  customer: string;
  items: Array<{ price: string; quantity: number }>;
  trialDays?: number | null;
  metadata?: Record<string, string>;
  description?: string | null;
  /** Default: the first price's own currency; every price must be sold in it. */
  currency?: string;
  /** What the trial's end does without a payment method. @defaultValue create_invoice */
  trialEndBehaviour?: TrialEndBehaviour;
  /** Stripe Tax on every invoice (the simulator's fixed rates). */
  automaticTax?: boolean;
}

/**
 * Creates a subscription and bills its first period. Without a trial it starts `incomplete`
 * and becomes `active` once the first invoice is paid (else stays `incomplete`), emitting
 * `customer.subscription.created`, the invoice events and `customer.subscription.updated`.
 */
export function createSubscription(ctx: SimContext, input: NewSubscription): Stripe.Subscription {
  const customer = liveCustomer(ctx, input.customer);
  if (input.items.length === 0) throw invalidRequest('Missing required param: items.', 'parameter_missing', 'items');
  const prices = input.items.map((item, i) => {
    const price = mustGet(ctx.store.prices, item.price, 'price', `items[${i}][price]`);
    if (!price.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, 'parameter_invalid', `items[${i}][price]`);
    return price;
  });
  const first = prices[0];
  const currency = input.currency ?? first.currency;
  prices.forEach((price, i) => unitAmountIn(ctx, price, currency, `items[${i}][price]`));
  const recurring = first.recurring as Stripe.Price.Recurring;
  const now = ctx.clock.now();
  const trialDays = input.trialDays ?? recurring.trial_period_days ?? null;
  const trial = trialDays && trialDays > 0 ? { start: now, end: now + trialDays * secondsPerDay } : null;
  const period = { start: now, end: trial?.end ?? addInterval(now, recurring.interval, recurring.interval_count) };
  const subscription = buildSubscription(ctx, {
    customer: customer.id,
    currency,
    trialEndBehaviour: input.trialEndBehaviour ?? 'create_invoice',
    automaticTax: input.automaticTax ?? false,
    items: input.items.map((item, i) => ({ price: prices[i], quantity: item.quantity })),
    status: trial ? 'trialing' : 'incomplete',
    period,
    trial,
    metadata: input.metadata ?? {},
    description: input.description ?? null,
  });
  ctx.store.subscriptions.set(subscription.id, subscription);
  ctx.events.emit('customer.subscription.created', subscription);
  const { paid } = issueInvoice(ctx, subscription, 'subscription_create', period, trial !== null);
  if (!trial && paid) {
    subscription.status = 'active';
    ctx.events.emit('customer.subscription.updated', subscription, { status: 'incomplete' });
  }
  refreshEntitlements(ctx, customer.id);
  return subscription;
}

/** Ends a subscription now: `canceled`, `customer.subscription.deleted`. */
export function cancelSubscription(ctx: SimContext, id: string, reason: Stripe.Subscription.CancellationDetails.Reason = 'cancellation_requested'): Stripe.Subscription {
  const subscription = mustGet(ctx.store.subscriptions, id, 'subscription');
  if (subscription.status === 'canceled') {
    throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`, 'resource_missing', 'id');
  }
  const now = ctx.clock.now();
  Object.assign(subscription, {
    status: 'canceled',
    canceled_at: subscription.canceled_at ?? now,
    ended_at: now,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason },
  } satisfies Partial<Stripe.Subscription>);
  ctx.events.emit('customer.subscription.deleted', subscription);
  refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  return subscription;
}
