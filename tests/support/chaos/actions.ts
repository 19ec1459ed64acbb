import Stripe from 'stripe';
import type { Random } from '../../../tools/stripe-sim/random.js';
import type { Simulator } from '../../../tools/stripe-sim/server.js';

/** A customer the workload created, by Stripe id. */
export interface ChaosCustomer { id: string; deleted: boolean }

export interface ActionContext { sim: Simulator; stripe: Stripe; random: Random }

/** `skipped`: nothing fit (e.g. no live seat plan); otherwise the action was asked of Stripe. */
type Outcome = 'done' | 'skipped';
type Action = (context: ActionContext, customer: ChaosCustomer) => Promise<Outcome>;

const live = new Set<Stripe.Subscription.Status>(['active', 'trialing', 'past_due']);
export const plans = ['basic_monthly', 'pro_monthly', 'team_monthly'] as const;

function subscriptionsOf(sim: Simulator, customer: string): Stripe.Subscription[] {
  return [...sim.state.subscriptions.values()].filter((sub) => sub.customer === customer);
}

/** A random live subscription of the customer matching `filter`, if any. */
function pick(context: ActionContext, customer: ChaosCustomer, filter: (sub: Stripe.Subscription) => boolean = () => true): Stripe.Subscription | undefined {
  const candidates = subscriptionsOf(context.sim, customer.id).filter((sub) => live.has(sub.status) && filter(sub));
  return candidates[context.random.int(candidates.length)];
}

const lookupKeyOf = (sub: Stripe.Subscription): string | null => sub.items.data[0]?.price.lookup_key ?? null;

function onSubscription(filter: (sub: Stripe.Subscription) => boolean, act: (context: ActionContext, sub: Stripe.Subscription) => unknown): Action {
  return async (context, customer) => {
    const sub = pick(context, customer, filter);
    if (!sub) return 'skipped';
    await act(context, sub);
    return 'done';
  };
}

/** What customers, their banks and the passing of time do, with relative weights. */
export const actions: Record<string, { weight: number; run: Action }> = {
  'seat change': { weight: 10, run: onSubscription((sub) => lookupKeyOf(sub) === 'team_monthly', ({ sim, random }, sub) => sim.ops.setQuantity(sub.id, 1 + random.int(12))) },
  'plan change': {
    weight: 10,
    run: onSubscription((sub) => lookupKeyOf(sub) !== 'team_monthly', ({ stripe }, sub) => {
      const item = sub.items.data[0];
      const price = lookupKeyOf(sub) === 'pro_monthly' ? 'price_basic_monthly' : 'price_pro_monthly';
      return stripe.subscriptions.update(sub.id, { items: [{ id: item?.id, price }] });
    }),
  },
  'cancel at period end': { weight: 8, run: onSubscription((sub) => !sub.cancel_at_period_end, ({ sim }, sub) => sim.ops.cancelAtPeriodEnd(sub.id, true)) },
  'resume': { weight: 5, run: onSubscription((sub) => sub.cancel_at_period_end, ({ sim }, sub) => sim.ops.cancelAtPeriodEnd(sub.id, false)) },
  'cancel now': { weight: 4, run: onSubscription(() => true, ({ stripe }, sub) => stripe.subscriptions.cancel(sub.id)) },
  'partial refund': { weight: 5, run: onSubscription(() => true, ({ sim }, sub) => sim.ops.refundLatestCharge(sub.id, 100)) },
  'full refund': { weight: 5, run: onSubscription(() => true, ({ sim }, sub) => sim.ops.refundLatestCharge(sub.id)) },
  'dispute': {
    weight: 3,
    run: onSubscription(() => true, ({ sim, random }, sub) => {
      const dispute = sim.ops.disputeLatestCharge(sub.id);
      return sim.ops.closeDispute(dispute.id, random.chance(50) ? 'won' : 'lost');
    }),
  },
  'card starts failing': { weight: 8, run: async ({ sim }, customer) => { sim.ops.setPaymentOutcome(customer.id, 'fail'); return Promise.resolve('done'); } },
  'card fixed': {
    weight: 8,
    run: async (context, customer) => {
      context.sim.ops.setPaymentOutcome(customer.id, 'succeed');
      const sub = pick(context, customer, (candidate) => candidate.status === 'past_due');
      if (sub) context.sim.ops.payLatestInvoice(sub.id);
      return Promise.resolve('done');
    },
  },
  'second subscription': {
    weight: 5,
    run: async ({ sim, random }, customer) => {
      const lookupKey = plans[random.int(plans.length)];
      sim.ops.checkout({ customer: customer.id, lookupKey, quantity: lookupKey === 'team_monthly' ? 1 + random.int(5) : 1 });
      return Promise.resolve('done');
    },
  },
  'customer deleted': {
    weight: 1,
    run: async ({ stripe }, customer) => {
      await stripe.customers.del(customer.id);
      customer.deleted = true;
      return 'done';
    },
  },
};

/** Stripe refusing a request (already refunded, canceled meanwhile…), as opposed to a bug in the test. */
const isRefusal = (error: unknown): boolean => error instanceof Stripe.errors.StripeError || (error instanceof Error && error.name === 'SimError');

function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!isRefusal(error)) throw error;
  }
}

/**
 * Closing moves, so the final state always holds the policy paths the oracle checks whatever the
 * seed: a live subscription whose latest invoice was paid and is now fully refunded (access
 * denied), and one set to cancel at the period end (access until then).
 */
export function closingMoves({ sim, random }: ActionContext, customers: readonly ChaosCustomer[]): void {
  const liveSubs = random.shuffle(customers.filter((customer) => !customer.deleted).flatMap((customer) => subscriptionsOf(sim, customer.id)))
    .filter((sub) => live.has(sub.status));
  const paid = liveSubs.find((sub) => {
    const invoice = sim.state.invoices.get(typeof sub.latest_invoice === 'string' ? sub.latest_invoice : (sub.latest_invoice?.id ?? ''));
    return invoice?.status === 'paid' && invoice.amount_paid > 0 && !sub.cancel_at_period_end;
  });
  // Already fully refunded (a refusal) serves the purpose as well.
  if (paid) attempt(() => sim.ops.refundLatestCharge(paid.id));
  const renewing = liveSubs.find((sub) => sub !== paid && !sub.cancel_at_period_end);
  if (renewing) sim.ops.cancelAtPeriodEnd(renewing.id, true);
}

const totalWeight = Object.values(actions).reduce((sum, action) => sum + action.weight, 0);

export function pickAction(random: Random): string {
  let roll = random.int(totalWeight);
  for (const [name, action] of Object.entries(actions)) {
    roll -= action.weight;
    if (roll < 0) return name;
  }
  return 'seat change';
}

/** Runs one action; Stripe refusing it (already refunded, canceled meanwhile…) counts as `rejected`. */
export async function runAction(name: string, context: ActionContext, customer: ChaosCustomer): Promise<Outcome | 'rejected'> {
  const action = actions[name];
  if (!action) throw new Error(`unknown action ${name}`);
  try {
    return await action.run(context, customer);
  } catch (error) {
    if (isRefusal(error)) return 'rejected';
    throw error;
  }
}
