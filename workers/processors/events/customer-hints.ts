import type { EventDecision, EventObject, FamilyProcessor } from './decision.js';
import { idOf, syncCustomerOf } from './decision.js';
import { flushMeterUsage } from '../../../shared/meters/export-jobs.js';
import { announceTrialWillEnd } from './trial-notice.js';

const secondsOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** `customer.*`: the object is the customer. */
export const decideCustomer = (object: EventObject): EventDecision => syncCustomerOf(object.id, 'customer event without id');

/** `customer.subscription.*`: whatever the change, the customer's current subscriptions are fetched. */
export const decideSubscription = (object: EventObject): EventDecision => syncCustomerOf(object.customer, 'subscription without customer');

/** `invoice.*`: paid, failed, action required… all feed the policy through the customer's sync. */
export const decideInvoice = (object: EventObject): EventDecision => syncCustomerOf(object.customer, 'invoice without customer');

/** What a charge-family object decides: a sync, nothing, or (a dispute or refund names only its charge) the charge to fetch first. */
export type ChargeDecision = EventDecision | { kind: 'fetch-charge'; chargeId: string };

/**
 * The metered usage an event flushes to Stripe: an ended subscription flushes up to its end, and
 * `invoice.created` (an invoice Stripe finalizes about an hour later) up to the period the invoice
 * bills (never after its creation), so that usage is on it.
 */
export function meterFlushOf(object: EventObject, type: string): { customer: string; until: Date; cause: 'subscription_ended' | 'invoice_created' } | undefined {
  const customer = idOf(object.customer);
  if (!customer) return undefined;
  if (type === 'customer.subscription.deleted') {
    const ended = secondsOf(object.ended_at) ?? secondsOf(object.canceled_at);
    return { customer, until: ended === undefined ? new Date() : new Date(ended * 1000), cause: 'subscription_ended' };
  }
  if (type === 'invoice.created') {
    const end = Math.min(secondsOf(object.period_end) ?? Infinity, secondsOf(object.created) ?? Infinity);
    return { customer, until: Number.isFinite(end) ? new Date(end * 1000) : new Date(), cause: 'invoice_created' };
  }
  return undefined;
}

/**
 * `charge.refunded`, `charge.refund.updated`, `charge.dispute.*`: refunds change access (a full
 * refund of the latest invoice revokes it), so the customer is synced. A dispute or refund names
 * its charge, not the customer: the charge is fetched to find it.
 */
export function decideCharge(object: EventObject): ChargeDecision {
  if (object.object !== 'dispute' && object.object !== 'refund') return syncCustomerOf(object.customer, 'charge without customer');
  const chargeId = idOf(object.charge);
  return chargeId ? { kind: 'fetch-charge', chargeId } : { kind: 'done', note: `${String(object.object)} without charge` };
}

export const customerEvents: FamilyProcessor = (_context, object) => Promise.resolve(decideCustomer(object));
/** Flushes the metered usage the event closes (see meterFlushOf), then returns the decision. */
const flushingMeters = (decide: (object: EventObject) => EventDecision): FamilyProcessor => async (context, object, type) => {
  const flush = meterFlushOf(object, type);
  if (flush) await flushMeterUsage(context, flush.customer, flush.until, flush.cause);
  return decide(object);
};
const flushSubscription = flushingMeters(decideSubscription);
/** Subscription events sync the customer; a trial about to end is also announced to apps. */
export const subscriptionEvents: FamilyProcessor = async (context, object, type, eventId) => {
  if (type === 'customer.subscription.trial_will_end') await announceTrialWillEnd(context, object, eventId ?? null);
  return flushSubscription(context, object, type, eventId);
};
export const invoiceEvents: FamilyProcessor = flushingMeters(decideInvoice);

export const chargeEvents: FamilyProcessor = async (context, object) => {
  const decision = decideCharge(object);
  if (decision.kind !== 'fetch-charge') return decision;
  const charge = await context.stripe.charges.retrieve(decision.chargeId);
  return syncCustomerOf(charge.customer, 'charge without customer');
};
