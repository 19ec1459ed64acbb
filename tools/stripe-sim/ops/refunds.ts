import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { buildDispute } from '../objects/dispute.js';
import { buildRefund } from '../objects/payment.js';
import { mustGet } from './lookup.js';

export interface RefundRequest {
  charge?: string;
  paymentIntent?: string;
  /** Minor units; the whole remaining amount when absent. */
  amount?: number;
  reason?: Stripe.Refund.Reason | null;
}

function chargeFor(ctx: SimContext, request: RefundRequest): Stripe.Charge {
  if (request.charge !== undefined) return mustGet(ctx.store.charges, request.charge, 'charge', 'charge');
  if (request.paymentIntent !== undefined) {
    const intent = mustGet(ctx.store.paymentIntents, request.paymentIntent, 'payment_intent', 'payment_intent');
    const latest = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
    const charge = latest === undefined ? undefined : ctx.store.charges.get(latest);
    if (charge?.status === 'succeeded') return charge;
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
  }
  throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing');
}

/** Refunds all or part of a charge: `refund.created` then `charge.refunded` (with previous amounts). */
export function createRefund(ctx: SimContext, request: RefundRequest): Stripe.Refund {
  const charge = chargeFor(ctx, request);
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (charge.status !== 'succeeded' || remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded', 'charge');
  }
  const amount = request.amount ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large', 'amount');
  }
  const refund = buildRefund(ctx, charge, amount, request.reason ?? null);
  ctx.store.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded, refunds: structuredClone(charge.refunds) };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  charge.refunds?.data.unshift(structuredClone(refund));
  ctx.events.emit('refund.created', refund);
  ctx.events.emit('charge.refunded', charge, previous);
  return refund;
}

/** Opens a dispute on a charge, as a cardholder's bank would: `charge.dispute.created`. */
export function openDispute(ctx: SimContext, chargeId: string, amount?: number, reason = 'fraudulent'): Stripe.Dispute {
  const charge = mustGet(ctx.store.charges, chargeId, 'charge', 'charge');
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} did not succeed and cannot be disputed.`);
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`);
  const dispute = buildDispute(ctx, charge, amount ?? charge.amount - charge.amount_refunded, reason);
  ctx.store.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  ctx.events.emit('charge.dispute.created', dispute);
  return dispute;
}

/** Closes a dispute (`lost` when the merchant accepts it, as `POST /v1/disputes/:id/close` does). */
export function closeDispute(ctx: SimContext, id: string, outcome: 'won' | 'lost' = 'lost'): Stripe.Dispute {
  const dispute = mustGet(ctx.store.disputes, id, 'dispute');
  if (dispute.status === 'won' || dispute.status === 'lost') throw invalidRequest(`This dispute is already closed.`, undefined, 'dispute');
  const previous = { status: dispute.status };
  dispute.status = outcome;
  ctx.events.emit('charge.dispute.closed', dispute, previous);
  return dispute;
}
