import type { Context } from '../../shared/context.js';
import type { ReconcileParams } from '../../shared/reconcile/params.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import type { Drift } from './compare-page.js';

interface PayingRow { id: string; stripe_customer_id: string; latest_invoice_charge_id: string; latest_invoice_refunded: boolean; latest_invoice_dispute_status: string | null }

/** One page of an account-wide list (disputes or refunds), newest first, and when it was fetched. */
type Page<T> = { list: Stripe.ApiList<T>; fetchedAt: Date };

const idOf = (value: string | { id: string } | null): string | null => (value === null ? null : typeof value === 'string' ? value : value.id);

/**
 * Mirror subscriptions whose latest invoice was paid by one of these charges (or payment intents),
 * unless a sync that started after the page was fetched rewrote them (they are newer than the page).
 */
async function payingRows(context: Pick<Context, 'db'>, payers: readonly string[], fetchedAt: Date): Promise<PayingRow[]> {
  if (payers.length === 0) return [];
  return context.db('subscriptions').whereIn('latest_invoice_charge_id', payers).where('synced_at', '<', fetchedAt)
    .select<PayingRow[]>('id', 'stripe_customer_id', 'latest_invoice_charge_id', 'latest_invoice_refunded', 'latest_invoice_dispute_status');
}

async function* pages<T extends { id: string }>(list: (startingAfter: string | undefined) => Promise<Stripe.ApiList<T>>): AsyncGenerator<Page<T>> {
  let startingAfter: string | undefined;
  for (;;) {
    const fetchedAt = new Date();
    const page = await list(startingAfter);
    if (page.data.length > 0) yield { list: page, fetchedAt };
    if (!page.has_more || page.data.length === 0) return;
    startingAfter = page.data.at(-1)!.id;
  }
}

/**
 * After the subscriptions: refunds and disputes change access without changing any subscription
 * (the policy looks at the charge paying the latest invoice), so Stripe's account-wide lists of
 * disputes and refunds (from `since` when the run has one) are compared with the mirror's view of
 * each paying charge. Newest first: the first dispute (or refund) seen for a charge is its latest,
 * which is the one that decides. `dispute_differs`: the latest dispute's status is not the one
 * mirrored; `refund_differs`: the charge is fully refunded and the mirror says not, or the reverse
 * (a refund that failed). Pages go through the shared Stripe rate limit like every call.
 * A run for one customer skips this: Stripe cannot list disputes or refunds by customer.
 */
export async function* findPaymentDrift(context: Context, params: ReconcileParams): AsyncGenerator<Drift[]> {
  if (params.customer) return;
  const created = params.since ? { created: { gte: Math.floor(new Date(params.since).getTime() / 1000) } } : {};
  const seen = new Set<string>();
  const firstSeen = (charge: string | null): charge is string => charge !== null && !seen.has(charge) && Boolean(seen.add(charge));

  for await (const { list, fetchedAt } of pages((after) => context.stripe.disputes.list({ limit: 100, ...created, ...(after && { starting_after: after }) }))) {
    const latest = list.data.filter((dispute) => firstSeen(idOf(dispute.charge)));
    const byPayer = new Map<string, Stripe.Dispute>();
    for (const dispute of latest) {
      byPayer.set(idOf(dispute.charge)!, dispute);
      const intent = idOf(dispute.payment_intent);
      if (intent) byPayer.set(intent, dispute);
    }
    const rows = await payingRows(context, [...byPayer.keys()], fetchedAt);
    yield rows.filter((row) => row.latest_invoice_dispute_status !== byPayer.get(row.latest_invoice_charge_id)?.status)
      .map((row) => ({ subscriptionId: row.id, stripeCustomerId: row.stripe_customer_id, kind: 'dispute_differs' as const }));
  }

  seen.clear();
  for await (const { list, fetchedAt } of pages((after) => context.stripe.refunds.list({ limit: 100, expand: ['data.charge'], ...created, ...(after && { starting_after: after }) }))) {
    const byPayer = new Map<string, Stripe.Charge>();
    for (const refund of list.data) {
      const charge = refund.charge;
      if (charge === null || typeof charge === 'string' || !firstSeen(charge.id)) continue;
      byPayer.set(charge.id, charge);
      const intent = idOf(charge.payment_intent);
      if (intent) byPayer.set(intent, charge);
    }
    const rows = await payingRows(context, [...byPayer.keys()], fetchedAt);
    yield rows.filter((row) => row.latest_invoice_refunded !== byPayer.get(row.latest_invoice_charge_id)?.refunded)
      .map((row) => ({ subscriptionId: row.id, stripeCustomerId: row.stripe_customer_id, kind: 'refund_differs' as const }));
  }
}
