import type { Context } from '../context.js';
import type { Stripe } from '../infra/stripe.js';
import { changeTiming } from './change-timing.js';
import { currentSubscription, type AuthorizeUser } from './current-subscription.js';
import type { PreviewRequest } from './requests.js';
import { changeTarget } from './target-price.js';

export interface ChangePreview {
  subscription: string;
  currency: string;
  price: string;
  quantity: number;
  /** When the change would take effect: `now` (upgrades by default) or at `period_end` (downgrades by default). */
  applies: 'now' | 'period_end';
  /** Pass this to the change so the customer pays exactly what was shown. */
  proration_date: number;
  proration_behavior: 'create_prorations' | 'always_invoice' | 'none';
  /** Net of the proration lines (credit for the unused time, charge for the new plan), minor units. */
  prorations: number;
  /** What is invoiced at once: the prorations with `always_invoice`, else nothing. */
  amount_due_now: number;
  /** The next invoice of the subscription with the change (prorations included unless invoiced now). */
  next_invoice: { amount_due: number; total: number; tax: number; at: number | null };
  lines: { description: string | null; amount: number; proration: boolean; period_start: number; period_end: number }[];
}

const isProration = (line: Stripe.InvoiceLineItem): boolean =>
  line.parent?.subscription_item_details?.proration === true || line.parent?.invoice_item_details?.proration === true;

const taxOf = (invoice: Stripe.Invoice): number => (invoice.total_taxes ?? []).reduce((sum, tax) => sum + tax.amount, 0);

/**
 * What a plan change would cost, from Stripe's invoice preview with `subscription_details` (the
 * same computation Stripe bills with). A change applied at period end prorates nothing: the preview
 * shows the next invoice at the new price. With `always_invoice` the prorations are a separate
 * invoice due now, so the next period's invoice is previewed without them.
 */
export async function previewChange(context: Context, ref: string, request: PreviewRequest, authorize: AuthorizeUser): Promise<ChangePreview> {
  const { stripeCustomerId, subscription } = await currentSubscription(context, ref, request.subscription, authorize);
  const target = await changeTarget(context, subscription, request);
  const applies = changeTiming(context.config, target.downgrade, undefined);
  const prorationDate = request.proration_date ?? Math.floor(Date.now() / 1000);
  const behavior = applies === 'period_end' ? 'none' : (request.proration_behavior ?? 'create_prorations');
  const preview = (details: Stripe.InvoiceCreatePreviewParams.SubscriptionDetails) => context.stripe.invoices.createPreview({
    customer: stripeCustomerId,
    subscription: subscription.id,
    subscription_details: { items: [{ id: target.item.id, price: target.price.id, quantity: target.quantity }], proration_date: prorationDate, ...details },
  });
  const invoice = await preview({ proration_behavior: behavior === 'always_invoice' ? 'create_prorations' : behavior });
  const prorations = invoice.lines.data.filter(isProration).reduce((sum, line) => sum + line.amount, 0);
  // Invoiced at once, the prorations leave the next invoice: preview it without them.
  const next = behavior === 'always_invoice' ? await preview({ proration_behavior: 'none' }) : invoice;
  return {
    subscription: subscription.id,
    currency: invoice.currency,
    price: target.price.id,
    quantity: target.quantity,
    applies,
    proration_date: prorationDate,
    proration_behavior: behavior,
    prorations,
    amount_due_now: behavior === 'always_invoice' ? prorations : 0,
    next_invoice: { amount_due: next.amount_due, total: next.total, tax: taxOf(next), at: next.next_payment_attempt ?? next.period_end },
    lines: invoice.lines.data.map((line) => ({ description: line.description, amount: line.amount, proration: isProration(line), period_start: line.period.start, period_end: line.period.end })),
  };
}
