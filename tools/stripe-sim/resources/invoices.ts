import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { cardDeclined, invalidRequest } from '../errors.js';
import { inRange, paginate } from '../list.js';
import { idOf } from '../id-of.js';
import { invoiceSubscriptionId, liveCustomer, mustGet } from '../ops/lookup.js';
import { currentPeriodEnd, retryInvoice } from '../ops/renewal.js';
import { buildInvoice } from '../objects/invoice.js';
import { addInterval } from '../objects/period.js';
import { optObject, optString } from '../params.js';

export function invoiceRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.get('/invoices/:id', ({ params }) => mustGet(ctx.store.invoices, params.id ?? '', 'invoice'));

  routes.get('/invoices', ({ body }) => {
    const customer = optString(body, 'customer');
    const subscription = optString(body, 'subscription');
    const status = optString(body, 'status');
    const invoices = customer === undefined ? ctx.store.invoices.newestFirst() : ctx.store.invoices.group(customer);
    return paginate(invoices, body, '/v1/invoices', (invoice) =>
      (subscription === undefined || invoiceSubscriptionId(invoice) === subscription)
      && (status === undefined || invoice.status === status)
      && inRange(invoice.created, body.created));
  });

  /** Pays an open invoice now; a declined card answers 402 after recording the failure, like Stripe. */
  routes.post('/invoices/:id/pay', ({ params }) => {
    const invoice = mustGet(ctx.store.invoices, params.id ?? '', 'invoice');
    if (invoice.status === 'paid') throw invalidRequest('Invoice is already paid', 'invoice_already_paid');
    if (invoice.status !== 'open') throw invalidRequest(`You can only pay an open invoice (status ${String(invoice.status)}).`, 'invoice_not_open');
    const { paid, charge } = retryInvoice(ctx, invoice);
    if (!paid) throw cardDeclined(charge?.id);
    return invoice;
  });

  /**
   * The next invoice of a subscription, not saved: its licensed items for the next period and its
   * metered items' usage so far in the current one (`POST /v1/invoices/create_preview`).
   */
  routes.post('/invoices/create_preview', ({ body }) => {
    const subscriptionId = optString(body, 'subscription');
    const customerId = optString(body, 'customer');
    const subscription = subscriptionId !== undefined
      ? mustGet(ctx.store.subscriptions, subscriptionId, 'subscription', 'subscription')
      : ctx.store.subscriptions.group(customerId ?? '').find((candidate) => candidate.status !== 'canceled' && candidate.status !== 'incomplete_expired');
    if (!subscription) throw invalidRequest('No upcoming invoices for customer', 'invoice_upcoming_none', customerId === undefined ? 'subscription' : 'customer');
    const customer = liveCustomer(ctx, idOf(subscription.customer) ?? '');
    const start = currentPeriodEnd(subscription);
    const recurring = subscription.items.data[0]?.price.recurring ?? { interval: 'month' as const, interval_count: 1 };
    const usageStart = Math.min(...subscription.items.data.map((item) => item.current_period_start));
    const preview = buildInvoice(ctx, {
      customer, subscription, billingReason: 'upcoming',
      period: { start, end: addInterval(start, recurring.interval, recurring.interval_count) },
      usagePeriod: { start: usageStart, end: Math.min(start, ctx.clock.now() + 1) },
    });
    return { ...preview, id: `upcoming_${preview.id}` };
  });

  routes.get('/invoice_payments/:id', ({ params }) => mustGet(ctx.store.invoicePayments, params.id ?? '', 'invoice_payment'));

  routes.get('/invoice_payments', ({ body }) => {
    const invoice = optString(body, 'invoice');
    const payment = optObject(body, 'payment');
    const intent = payment && optString(payment, 'payment_intent');
    const status = optString(body, 'status');
    const payments = invoice === undefined ? ctx.store.invoicePayments.newestFirst() : ctx.store.invoicePayments.group(invoice);
    return paginate(payments, body, '/v1/invoice_payments', (candidate) =>
      (intent === undefined || candidate.payment.payment_intent === intent)
      && (status === undefined || candidate.status === status));
  });
}
