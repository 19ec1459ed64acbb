import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { cardDeclined, invalidRequest } from '../errors.js';
import { inRange, paginate } from '../list.js';
import { idOf } from '../id-of.js';
import { invoiceSubscriptionId, mustGet } from '../ops/lookup.js';
import { previewInvoice, type PreviewChange } from '../ops/invoice-preview.js';
import { retryInvoice } from '../ops/renewal.js';
import type { FormObject } from '../form.js';
import { optInt, optObject, optString, prorationBehavior } from '../params.js';
import { itemPatches } from './subscriptions.js';

/** `subscription_details[items|proration_date|proration_behavior]`, as stripe-node encodes them. */
function previewChange(details: FormObject | undefined): PreviewChange | undefined {
  if (details === undefined) return undefined;
  const label = (name: string) => `subscription_details[${name}]`;
  const change: PreviewChange = { items: itemPatches(details) ?? [] };
  const date = optInt(details, 'proration_date');
  if (date !== undefined) change.prorationDate = date;
  const behavior = prorationBehavior(details, 'proration_behavior', label('proration_behavior'));
  if (behavior !== undefined) change.prorationBehavior = behavior;
  return change;
}

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

  /** The next invoice of a subscription, not saved, optionally with a change tried on it (`subscription_details`). */
  routes.post('/invoices/create_preview', ({ body }) => {
    const subscriptionId = optString(body, 'subscription');
    const customerId = optString(body, 'customer');
    const subscription = subscriptionId !== undefined
      ? mustGet(ctx.store.subscriptions, subscriptionId, 'subscription', 'subscription')
      : ctx.store.subscriptions.group(customerId ?? '').find((candidate) => candidate.status !== 'canceled' && candidate.status !== 'incomplete_expired');
    if (!subscription) throw invalidRequest('No upcoming invoices for customer', 'invoice_upcoming_none', customerId === undefined ? 'subscription' : 'customer');
    if (customerId !== undefined && idOf(subscription.customer) !== customerId) throw invalidRequest(`The subscription ${subscription.id} does not belong to customer ${customerId}.`, undefined, 'subscription');
    return previewInvoice(ctx, subscription, previewChange(optObject(body, 'subscription_details')));
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
