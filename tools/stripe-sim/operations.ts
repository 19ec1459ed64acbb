import type Stripe from 'stripe';
import type { SimContext } from './context.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { completeCheckoutSession, createCheckoutSession } from './ops/checkout.js';
import { advanceClock, type AdvanceResult } from './ops/clock-advance.js';
import { idOf } from './id-of.js';
import { liveCustomer, mustGet } from './ops/lookup.js';
import { addInterval } from './objects/period.js';
import { closeDispute, createRefund, openDispute } from './ops/refunds.js';
import { currentPeriodEnd, retryInvoice } from './ops/renewal.js';
import { createScheduleFromSubscription, updateSchedule } from './ops/subscription-schedules.js';
import { updateSubscription } from './ops/subscription-update.js';
import type { ProrationBehavior } from './objects/proration.js';
import { updateCustomer } from './ops/customers.js';
import { resumeSubscription } from './ops/trial-end.js';
import type { PaymentOutcome } from './store.js';

export interface CheckoutInput {
  /** A price lookup key (`pro_monthly`) or, instead, a price id. */
  lookupKey?: string;
  price?: string;
  quantity?: number;
  trialDays?: number;
  /** An existing customer; otherwise checkout creates one. */
  customer?: string;
  email?: string;
  /** Your app's user id, stored as the session's `client_reference_id`. */
  clientReferenceId?: string;
  /** The card the buyer enters; `null`: none (a trial with `trialEnd` set collects one only if required). */
  paymentMethod?: string | null;
  /** With a trial: the card is optional, and this is what the trial's end does without one. */
  trialEnd?: 'pause' | 'cancel' | 'create_invoice';
  currency?: string;
  automaticTax?: boolean;
}

/** A plan to move a subscription's one item to: a lookup key or a price id, and seats. */
export interface PlanInput {
  lookupKey?: string;
  price?: string;
  quantity?: number;
}

export interface PriceChangeOutcome {
  subscription: Stripe.Subscription;
  /** The invoice billed at once (`always_invoice`), else null. */
  invoice: Stripe.Invoice | null;
}

export interface CheckoutOutcome {
  session: string;
  customer: string;
  subscription: string;
  invoice: string | null;
}

/**
 * The lifecycle operations a test, the control API or a scenario can drive, each one what a
 * buyer, a bank or the passing of time would cause in Stripe.
 */
export function createOperations(ctx: SimContext) {
  const priceFor = (input: PlanInput): Stripe.Price => {
    if (input.price !== undefined) return mustGet(ctx.store.prices, input.price, 'price', 'price');
    const key = input.lookupKey ?? 'basic_monthly';
    const price = [...ctx.store.prices.values()].find((candidate) => candidate.lookup_key === key && candidate.active);
    if (!price) throw resourceMissing('price with lookup_key', key, 'lookup_key');
    return price;
  };
  const latestPaidCharge = (subscriptionId: string): Stripe.Charge => {
    const subscription = mustGet(ctx.store.subscriptions, subscriptionId, 'subscription');
    const charges = [...ctx.store.charges.values()].reverse();
    for (const payment of [...ctx.store.invoicePayments.values()].reverse()) {
      const invoice = ctx.store.invoices.get(idOf(payment.invoice) ?? '');
      if (invoice?.parent?.subscription_details?.subscription !== subscription.id || payment.status !== 'paid') continue;
      const charge = charges.find((candidate) => idOf(candidate.payment_intent) === payment.payment.payment_intent && candidate.status === 'succeeded');
      if (charge) return charge;
    }
    throw invalidRequest(`Subscription ${subscription.id} has no successful charge.`);
  };

  return {
    checkout(input: CheckoutInput): CheckoutOutcome {
      const price = priceFor(input);
      const session = createCheckoutSession(ctx, {
        mode: 'subscription',
        customer: input.customer,
        customerEmail: input.customer === undefined ? (input.email ?? `${input.clientReferenceId ?? 'buyer'}@example.test`) : undefined,
        clientReferenceId: input.clientReferenceId,
        successUrl: 'https://example.test/success',
        lineItems: [{ price: price.id, quantity: input.quantity ?? 1 }],
        trialDays: input.trialDays ?? null,
        metadata: input.clientReferenceId === undefined ? {} : { user_id: input.clientReferenceId },
        ...(input.trialEnd !== undefined && { paymentMethodCollection: 'if_required', trialEndBehaviour: input.trialEnd }),
        ...(input.currency !== undefined && { currency: input.currency }),
        ...(input.automaticTax !== undefined && { automaticTax: input.automaticTax }),
      });
      const done = completeCheckoutSession(ctx, session.id, { paymentMethod: input.paymentMethod });
      return { session: done.id, customer: idOf(done.customer) ?? '', subscription: idOf(done.subscription) ?? '', invoice: idOf(done.invoice) };
    },
    completeCheckout: (session: string, paymentMethod?: string | null) => completeCheckoutSession(ctx, session, { paymentMethod }),
    /** The customer adds a card (their default for invoices), as after a trial ended without one. */
    addPaymentMethod: (customer: string, paymentMethod = 'pm_card_visa') => updateCustomer(ctx, liveCustomer(ctx, customer).id, { default_payment_method: paymentMethod }),
    resume: (subscription: string) => ctx.events.withRequest(null, () => resumeSubscription(ctx, subscription)),
    advance: (seconds: number): AdvanceResult => advanceClock(ctx, seconds),
    /** Advances exactly to the end of the subscription's current period (its renewal moment). */
    advanceToPeriodEnd(subscription: string): AdvanceResult {
      const end = currentPeriodEnd(mustGet(ctx.store.subscriptions, subscription, 'subscription'));
      return advanceClock(ctx, Math.max(0, end - ctx.clock.now()));
    },
    setPaymentOutcome(customer: string, outcome: PaymentOutcome): void {
      ctx.store.paymentOutcomes.set(liveCustomer(ctx, customer).id, outcome);
    },
    /** Retries the subscription's open latest invoice now (the customer fixed their card). */
    payLatestInvoice(subscription: string): { invoice: string; paid: boolean } {
      const latest = idOf(mustGet(ctx.store.subscriptions, subscription, 'subscription').latest_invoice);
      const invoice = mustGet(ctx.store.invoices, latest ?? '', 'invoice');
      if (invoice.status !== 'open') throw invalidRequest(`Invoice ${invoice.id} is ${String(invoice.status)}, not open.`);
      return { invoice: invoice.id, paid: ctx.events.withRequest(null, () => retryInvoice(ctx, invoice)).paid };
    },
    cancelAtPeriodEnd: (subscription: string, cancel = true) => updateSubscription(ctx, subscription, { cancelAtPeriodEnd: cancel }),
    setQuantity(subscription: string, quantity: number): Stripe.Subscription {
      const item = mustGet(ctx.store.subscriptions, subscription, 'subscription').items.data[0];
      return updateSubscription(ctx, subscription, { items: [{ id: item?.id, quantity }] });
    },
    /** Changes the subscription's one item now, prorated as asked (as a `POST /v1/subscriptions/:id` with items). */
    changePrice(subscription: string, plan: PlanInput, prorationBehavior: ProrationBehavior = 'create_prorations'): PriceChangeOutcome {
      const current = mustGet(ctx.store.subscriptions, subscription, 'subscription');
      const before = current.latest_invoice;
      const item = current.items.data[0];
      const updated = updateSubscription(ctx, subscription, { items: [{ id: item?.id, price: priceFor(plan).id, quantity: plan.quantity ?? item?.quantity ?? 1 }], prorationBehavior });
      const invoice = updated.latest_invoice === before ? null : mustGet(ctx.store.invoices, idOf(updated.latest_invoice) ?? '', 'invoice');
      return { subscription: updated, invoice };
    },
    /** Moves the subscription to another plan at the end of its period through a schedule (two phases, then released). */
    scheduleChange(subscription: string, plan: PlanInput): Stripe.SubscriptionSchedule {
      const current = mustGet(ctx.store.subscriptions, subscription, 'subscription');
      const price = priceFor(plan);
      const schedule = createScheduleFromSubscription(ctx, subscription);
      const phase = schedule.phases[0];
      const end = phase.end_date;
      const recurring = price.recurring ?? { interval: 'month' as const, interval_count: 1 };
      return updateSchedule(ctx, schedule.id, {
        endBehavior: 'release',
        prorationBehavior: 'none',
        phases: [
          { items: current.items.data.map((item) => ({ price: item.price, quantity: item.quantity ?? 1 })), start: phase.start_date, end, prorationBehavior: 'none' },
          { items: [{ price, quantity: plan.quantity ?? current.items.data[0]?.quantity ?? 1 }], start: end, end: addInterval(end, recurring.interval, recurring.interval_count), prorationBehavior: 'none' },
        ],
      });
    },
    refundLatestCharge: (subscription: string, amount?: number) => createRefund(ctx, { charge: latestPaidCharge(subscription).id, amount }),
    disputeCharge: (charge: string, amount?: number, reason?: string) => openDispute(ctx, charge, amount, reason),
    disputeLatestCharge: (subscription: string) => openDispute(ctx, latestPaidCharge(subscription).id),
    closeDispute: (dispute: string, outcome: 'won' | 'lost') => closeDispute(ctx, dispute, outcome),
    subscription: (id: string) => mustGet(ctx.store.subscriptions, id, 'subscription'),
  };
}

export type SimOperations = ReturnType<typeof createOperations>;
