/**
 * The Stripe event types the service acts on, by family. The webhook records every other valid
 * event as `ignored`; the workers' registry maps each of these to a processor.
 */
export const eventFamilies = {
  checkout: ['checkout.session.completed'],
  customer: ['customer.created', 'customer.updated', 'customer.deleted'],
  subscription: [
    'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
    'customer.subscription.paused', 'customer.subscription.resumed', 'customer.subscription.trial_will_end',
    'customer.subscription.pending_update_applied', 'customer.subscription.pending_update_expired',
  ],
  invoice: ['invoice.created', 'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed', 'invoice.payment_action_required', 'invoice.voided', 'invoice.marked_uncollectible'],
  charge: ['charge.refunded', 'charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.refund.updated'],
  product: ['product.created', 'product.updated', 'product.deleted'],
  price: ['price.created', 'price.updated', 'price.deleted'],
  entitlements: ['entitlements.active_entitlement_summary.updated'],
} as const;

export type EventFamily = keyof typeof eventFamilies;
export type HandledEventType = (typeof eventFamilies)[EventFamily][number];

const familyOf = new Map<string, EventFamily>(
  Object.entries(eventFamilies).flatMap(([family, types]) => types.map((type) => [type, family as EventFamily] as const)),
);

/** Thin events (event destinations) name the v1 type with a `v1.` prefix. */
export function snapshotType(type: string): string {
  return type.startsWith('v1.') ? type.slice(3) : type;
}

export function eventFamily(type: string): EventFamily | undefined {
  return familyOf.get(snapshotType(type));
}
