import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { idOf } from '../id-of.js';
import { buildInvoice } from '../objects/invoice.js';
import { addInterval } from '../objects/period.js';
import { withLines, type ProrationBehavior } from '../objects/proration.js';
import { liveCustomer } from './lookup.js';
import { currentPeriodEnd } from './renewal.js';
import { applyItems, type SubscriptionItemPatch } from './subscription-update.js';

/** `subscription_details` of a preview: a change to try on the subscription without making it. */
export interface PreviewChange {
  items: SubscriptionItemPatch[];
  prorationDate?: number;
  /** @defaultValue `create_prorations`, as Stripe */
  prorationBehavior?: ProrationBehavior;
}

/**
 * The invoice a subscription would get next, not saved (`POST /v1/invoices/create_preview`): its
 * licensed items for the next period, its metered items' usage so far, and the prorations waiting
 * for it. With a change, the change is tried on a copy: its proration lines (credit for the unused
 * time on the old terms, charge for the rest of the period on the new ones, at the proration date)
 * join the next invoice, whose items are the new ones; with `always_invoice` the preview is the
 * invoice the change would bill at once, its prorations only.
 */
export function previewInvoice(ctx: SimContext, subscription: Stripe.Subscription, change: PreviewChange | undefined): Stripe.Invoice {
  const customer = liveCustomer(ctx, idOf(subscription.customer) ?? '');
  const draft = structuredClone(subscription);
  const behavior = change?.prorationBehavior ?? 'create_prorations';
  const prorations = change === undefined ? [] : applyItems(ctx, draft, change.items, { behavior, date: change.prorationDate });
  const pending = ctx.store.pendingProrations.get(subscription.id) ?? [];
  let preview: Stripe.Invoice;
  if (behavior === 'always_invoice') {
    const now = ctx.clock.now();
    preview = withLines(buildInvoice(ctx, { customer, subscription: draft, billingReason: 'subscription_update', period: { start: now, end: now } }), [...pending, ...prorations], true);
  } else {
    const start = currentPeriodEnd(draft);
    const recurring = draft.items.data[0]?.price.recurring ?? { interval: 'month' as const, interval_count: 1 };
    const usageStart = Math.min(...draft.items.data.map((item) => item.current_period_start));
    const next = buildInvoice(ctx, {
      customer, subscription: draft, billingReason: 'upcoming',
      period: { start, end: addInterval(start, recurring.interval, recurring.interval_count) },
      usagePeriod: { start: usageStart, end: Math.min(start, ctx.clock.now() + 1) },
    });
    preview = withLines(next, [...pending, ...prorations, ...next.lines.data], true);
    preview.next_payment_attempt = start;
  }
  return { ...preview, id: `upcoming_${preview.id}` };
}
