import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { secondsPerDay } from './period.js';

const evidenceFields = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

type EmptyEvidence = { [K in (typeof evidenceFields)[number]]: null };

export function buildDispute(ctx: SimContext, charge: Stripe.Charge, amount: number, reason: string): Stripe.Dispute {
  const now = ctx.clock.now();
  const empty = Object.fromEntries(evidenceFields.map((field) => [field, null])) as EmptyEvidence;
  return {
    id: ctx.ids.next('dp'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { ...empty, enhanced_evidence: {} },
    evidence_details: {
      due_by: now + 7 * secondsPerDay,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    reason,
    status: 'needs_response',
  };
}
