import type Stripe from 'stripe';
import type { CheckoutInput, CheckoutOutcome, PlanInput, PriceChangeOutcome, SimOperations } from './operations.js';
import type { ProrationBehavior } from './objects/proration.js';
import type { AdvanceResult } from './ops/clock-advance.js';
import type { PaymentOutcome } from './store.js';

/**
 * What scenarios drive: the simulator's lifecycle operations, asynchronous so the same scenario
 * runs in-process (`createLocalDriver`) or against a running simulator over its control API
 * (`createHttpDriver`).
 */
export interface SimDriver {
  checkout(input: CheckoutInput): Promise<CheckoutOutcome>;
  advance(seconds: number): Promise<AdvanceResult>;
  advanceToPeriodEnd(subscription: string): Promise<AdvanceResult>;
  setPaymentOutcome(customer: string, outcome: PaymentOutcome): Promise<void>;
  payLatestInvoice(subscription: string): Promise<{ invoice: string; paid: boolean }>;
  cancelAtPeriodEnd(subscription: string): Promise<Stripe.Subscription>;
  setQuantity(subscription: string, quantity: number): Promise<Stripe.Subscription>;
  changePrice(subscription: string, plan: PlanInput, prorationBehavior?: ProrationBehavior): Promise<PriceChangeOutcome>;
  scheduleChange(subscription: string, plan: PlanInput): Promise<Stripe.SubscriptionSchedule>;
  refundLatestCharge(subscription: string, amount?: number): Promise<Stripe.Refund>;
  disputeLatestCharge(subscription: string): Promise<Stripe.Dispute>;
  closeDispute(dispute: string, outcome: 'won' | 'lost'): Promise<Stripe.Dispute>;
  subscription(id: string): Promise<Stripe.Subscription>;
  /** The customer adds a card (their default for invoices). */
  addPaymentMethod(customer: string): Promise<Stripe.Customer>;
  /** Resumes a paused subscription: a new period starts now and is billed. */
  resume(subscription: string): Promise<Stripe.Subscription>;
}

/** Snapshots are copied so a scenario never holds live store objects. */
const copy = <T>(value: T): Promise<T> => Promise.resolve(structuredClone(value));

export function createLocalDriver(ops: SimOperations): SimDriver {
  return {
    checkout: async (input) => copy(ops.checkout(input)),
    advance: async (seconds) => copy(ops.advance(seconds)),
    advanceToPeriodEnd: async (subscription) => copy(ops.advanceToPeriodEnd(subscription)),
    setPaymentOutcome: async (customer, outcome) => copy(ops.setPaymentOutcome(customer, outcome)),
    payLatestInvoice: async (subscription) => copy(ops.payLatestInvoice(subscription)),
    cancelAtPeriodEnd: async (subscription) => copy(ops.cancelAtPeriodEnd(subscription)),
    setQuantity: async (subscription, quantity) => copy(ops.setQuantity(subscription, quantity)),
    changePrice: async (subscription, plan, prorationBehavior) => copy(ops.changePrice(subscription, plan, prorationBehavior)),
    scheduleChange: async (subscription, plan) => copy(ops.scheduleChange(subscription, plan)),
    refundLatestCharge: async (subscription, amount) => copy(ops.refundLatestCharge(subscription, amount)),
    disputeLatestCharge: async (subscription) => copy(ops.disputeLatestCharge(subscription)),
    closeDispute: async (dispute, outcome) => copy(ops.closeDispute(dispute, outcome)),
    subscription: async (id) => copy(ops.subscription(id)),
    addPaymentMethod: async (customer) => copy(ops.addPaymentMethod(customer)),
    resume: async (subscription) => copy(ops.resume(subscription)),
  };
}
