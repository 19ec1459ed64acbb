import type { EventCause } from './event-cause.js';

/** The customer a subscription event concerns; `id` is null when the mirror does not know the customer yet. */
export interface SubscriptionCustomerRef { id: string | null; stripe_customer_id: string; user_id: string | null }

/** What Stripe does at the trial's end when no payment method has been added by then. */
export type TrialEndBehaviour = 'pause' | 'cancel' | 'create_invoice';

/**
 * `subscription.trial_will_end`: a trial ends soon (Stripe tells three days ahead), so the app can
 * ask for a payment method. `has_payment_method` says whether the subscription has one already;
 * without one, `missing_payment_method` is what happens at `trial_end`.
 */
export interface SubscriptionTrialWillEnd {
  /** Stable per (subscription, trial end): a redelivered Stripe event carries the same id. */
  id: string;
  type: 'subscription.trial_will_end';
  created: string;
  data: {
    customer: SubscriptionCustomerRef;
    subscription: string;
    trial_end: string;
    has_payment_method: boolean;
    missing_payment_method: TrialEndBehaviour;
    cause: EventCause;
  };
}

export interface TrialFacts {
  customer: SubscriptionCustomerRef;
  subscription: string;
  trialEnd: Date;
  hasPaymentMethod: boolean;
  missingPaymentMethod: TrialEndBehaviour;
  stripeEventId: string | null;
}

export function trialWillEnd(facts: TrialFacts, now: Date): SubscriptionTrialWillEnd {
  return {
    id: `evt_trial_${facts.subscription}_${Math.floor(facts.trialEnd.getTime() / 1000)}`,
    type: 'subscription.trial_will_end',
    created: now.toISOString(),
    data: {
      customer: facts.customer,
      subscription: facts.subscription,
      trial_end: facts.trialEnd.toISOString(),
      has_payment_method: facts.hasPaymentMethod,
      missing_payment_method: facts.missingPaymentMethod,
      cause: { type: 'event', id: facts.stripeEventId },
    },
  };
}
