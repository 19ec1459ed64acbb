import { randomBytes } from 'node:crypto';
import nock from 'nock';

/**
 * A tiny in-memory Stripe for tests: objects in the pinned API version's shapes, answered through
 * nock (in-process) or through `serveStripeState` (a local HTTP server, for child processes).
 * Every test makes its own ids, so tests in one file share the interceptors without sharing data.
 */
export type Json = Record<string, unknown>;
/** What a fake Stripe answers: status, body, and optionally headers (`Retry-After`, `Stripe-Should-Retry`). */
export type StripeAnswer = [number, Json] | [number, Json, Record<string, string>];

export interface ItemSpec { price: string; product: string; lookupKey?: string | null; quantity?: number; periodEnd?: number }
export interface SubscriptionSpec {
  id?: string; status?: string; items: ItemSpec[]; cancelAtPeriodEnd?: boolean;
  latestInvoice?: { status: 'paid' | 'open' | 'void'; charge?: string } | null; created?: number;
}

export const uid = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

export class StripeState {
  readonly customers = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly charges = new Map<string, Json>();
  readonly products = new Map<string, { product: Json; features: string[] }>();
  readonly prices = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  readonly disputes = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  /** Lookup keys of each customer's active entitlements, as Stripe computes them. */
  readonly activeEntitlements = new Map<string, string[]>();
  readonly calls: string[] = [];
  /** Orders disputes opened within one second, newest last. */
  private disputeSequence = 0;
  /** Orders refunds made within one second, newest last. */
  private refundSequence = 0;
  /** The customer of each customer-scoped subscription list: a sync of that customer. */
  readonly listedFor: string[] = [];

  customer(id = uid('cus'), fields: Json = {}): string {
    this.customers.set(id, { id, object: 'customer', email: `${id}@example.com`, name: null, metadata: {}, created: now(), livemode: false, ...fields });
    return id;
  }

  deleteCustomer(id: string): void {
    this.customers.set(id, { id, object: 'customer', deleted: true });
  }

  subscription(customer: string, spec: SubscriptionSpec): string {
    const id = spec.id ?? uid('sub');
    const invoice = spec.latestInvoice === undefined ? { status: 'paid' as const } : spec.latestInvoice;
    const chargeId = invoice?.charge ?? uid('ch');
    if (invoice?.status === 'paid' && !this.charges.has(chargeId)) this.charge(customer, { id: chargeId });
    this.subscriptions.set(id, {
      id, object: 'subscription', customer, status: spec.status ?? 'active', cancel_at_period_end: spec.cancelAtPeriodEnd ?? false,
      cancel_at: null, canceled_at: null, ended_at: null, trial_end: null, schedule: null, currency: 'usd', metadata: {}, created: spec.created ?? now(), livemode: false,
      items: {
        object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${id}`,
        data: spec.items.map((item, index) => ({
          id: `si_${id.slice(4)}_${index}`, object: 'subscription_item', subscription: id, quantity: item.quantity ?? 1,
          current_period_start: now() - 86_400, current_period_end: item.periodEnd ?? now() + 30 * 86_400,
          price: { id: item.price, object: 'price', product: item.product, lookup_key: item.lookupKey ?? null, unit_amount: 1500, currency: 'usd', active: true },
        })),
      },
      latest_invoice: invoice && this.invoiceObject(customer, id, invoice.status, chargeId),
    });
    return id;
  }

  /** An invoice of a subscription (pinned API shape: subscription under `parent`), kept for `GET /v1/invoices/:id`. */
  private invoiceObject(customer: string, subscription: string, status: string, chargeId: string): Json {
    const invoice = {
      id: uid('in'), object: 'invoice', status, customer,
      parent: { type: 'subscription_details', subscription_details: { subscription } },
      payments: { object: 'list', has_more: false, data: status === 'paid' ? [{ id: uid('inpay'), object: 'invoice_payment', status: 'paid', payment: { type: 'charge', charge: chargeId } }] : [] },
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
  }

  /** A new latest invoice for a subscription (a renewal, a retry): paid ones get a charge of their own. Returns the invoice id. */
  invoice(subscriptionId: string, status: 'paid' | 'open' | 'void' | 'uncollectible', fields: { charge?: string } = {}): string {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no ${subscriptionId}`);
    const customer = sub.customer as string;
    const chargeId = fields.charge ?? uid('ch');
    if (status === 'paid' && !this.charges.has(chargeId)) this.charge(customer, { id: chargeId });
    const invoice = this.invoiceObject(customer, subscriptionId, status, chargeId);
    sub.latest_invoice = invoice;
    return invoice.id as string;
  }

  /** The charge that paid a subscription's latest invoice, if any. */
  latestCharge(subscriptionId: string): string | undefined {
    const invoice = this.subscriptions.get(subscriptionId)?.latest_invoice as { payments?: { data: { payment: { charge?: string } }[] } } | null | undefined;
    return invoice?.payments?.data[0]?.payment.charge;
  }

  /** Refunds a charge (all of it unless `amount` is less) and returns the refund id; the charge counts as refunded once fully refunded. */
  refund(chargeId: string, options: { amount?: number; status?: 'succeeded' | 'pending' | 'failed' } = {}): string {
    const charge = this.charges.get(chargeId);
    if (!charge) throw new Error(`no ${chargeId}`);
    const amount = options.amount ?? (charge.amount as number);
    const status = options.status ?? 'succeeded';
    const id = uid('re');
    this.refundSequence += 1;
    this.refunds.set(id, { id, object: 'refund', charge: chargeId, amount, currency: 'usd', status, payment_intent: charge.payment_intent, created: now() + this.refundSequence });
    if (status !== 'failed') {
      const refunded = Math.min(charge.amount as number, (charge.amount_refunded as number) + amount);
      Object.assign(charge, { amount_refunded: refunded, refunded: refunded === charge.amount });
    }
    return id;
  }

  /** Marks a refund failed, as Stripe does when the money cannot be returned: the charge is no longer refunded by it. */
  failRefund(refundId: string): void {
    const refund = this.refunds.get(refundId);
    if (!refund) throw new Error(`no ${refundId}`);
    const charge = this.charges.get(refund.charge as string)!;
    refund.status = 'failed';
    const refunded = Math.max(0, (charge.amount_refunded as number) - (refund.amount as number));
    Object.assign(charge, { amount_refunded: refunded, refunded: refunded === charge.amount });
  }

  /** Opens a dispute on a charge (`needs_response`); returns the dispute id. */
  dispute(chargeId: string, fields: Json = {}): string {
    const charge = this.charges.get(chargeId);
    if (!charge) throw new Error(`no ${chargeId}`);
    const id = uid('dp');
    this.disputeSequence += 1;
    this.disputes.set(id, {
      id, object: 'dispute', charge: chargeId, amount: charge.amount, currency: 'usd', status: 'needs_response', reason: 'fraudulent',
      payment_intent: charge.payment_intent, created: now() + this.disputeSequence, ...fields,
    });
    charge.disputed = true;
    return id;
  }

  /** Moves a dispute on (`under_review`, `won`, `lost`…), as the card network's process does. */
  disputeStatus(disputeId: string, status: string): void {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw new Error(`no ${disputeId}`);
    dispute.status = status;
  }

  /** A completed Checkout Session, kept for `GET /v1/checkout/sessions/:id`. */
  checkoutSession(customer: string, fields: Json = {}): Json {
    const session = { id: uid('cs'), object: 'checkout.session', customer, mode: 'subscription', status: 'complete', client_reference_id: null, metadata: {}, ...fields };
    this.checkoutSessions.set(session.id, session);
    return session;
  }

  update(subscriptionId: string, fields: Json): void {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no ${subscriptionId}`);
    Object.assign(sub, fields);
  }

  charge(customer: string, fields: Json = {}): string {
    const id = (fields.id as string | undefined) ?? uid('ch');
    this.charges.set(id, { id, object: 'charge', customer, amount: 1500, amount_refunded: 0, refunded: false, payment_intent: null, ...fields });
    return id;
  }

  product(id: string, features: string[], fields: Json = {}): void {
    this.products.set(id, { product: { id, object: 'product', name: id, active: true, metadata: {}, ...fields }, features });
  }

  price(id: string, product: string, lookupKey: string | null, fields: Json = {}): void {
    this.prices.set(id, { id, object: 'price', product, lookup_key: lookupKey, active: true, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month', interval_count: 1 }, ...fields });
  }

  /** True when this state holds an object the request names (path id or `customer` filter). */
  owns(url: string): boolean {
    const { pathname, searchParams } = new URL(url, 'https://api.stripe.com');
    const ids = [...pathname.split('/'), searchParams.get('customer') ?? '', searchParams.get('charge') ?? ''].filter((part) => /^[a-z]+_\w+$/.test(part));
    const kinds = [this.customers, this.subscriptions, this.charges, this.products, this.prices, this.invoices, this.refunds, this.disputes, this.checkoutSessions];
    return ids.some((id) => kinds.some((kind) => kind.has(id)));
  }

  /** How often the service synced `customer` (every sync lists the customer's subscriptions); all customers when omitted. */
  syncs(customer?: string): number {
    return customer === undefined ? this.listedFor.length : this.listedFor.filter((listed) => listed === customer).length;
  }

  /** Answers a Stripe API request from the state: [status, body]. */
  answer(method: string, url: string): StripeAnswer {
    const { pathname, searchParams } = new URL(url, 'https://api.stripe.com');
    this.calls.push(`${method} ${pathname}`);
    const list = (data: Json[]) => [200, { object: 'list', data, has_more: false, url: pathname }] as [number, Json];
    const missing = (what: string): [number, Json] => [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` } }];
    let match: RegExpExecArray | null;
    if ((match = /^\/v1\/customers\/([^/]+)$/.exec(pathname))) return this.customers.has(match[1]) ? [200, this.customers.get(match[1])!] : missing('customer');
    if (pathname === '/v1/subscriptions') {
      const customer = searchParams.get('customer');
      if (customer) this.listedFor.push(customer);
      const subscriptions = [...this.subscriptions.values()].filter((sub) => sub.customer === customer);
      // `expand[…]=data.customer` embeds each subscription's customer, as Stripe does.
      if (![...searchParams].some(([key, value]) => key.startsWith('expand[') && value === 'data.customer')) return list(subscriptions);
      return list(subscriptions.map((sub) => ({ ...sub, customer: this.customers.get(sub.customer as string) ?? sub.customer })));
    }
    if ((match = /^\/v1\/subscriptions\/([^/]+)$/.exec(pathname))) return this.subscriptions.has(match[1]) ? [200, this.subscriptions.get(match[1])!] : missing('subscription');
    if (pathname === '/v1/entitlements/active_entitlements') {
      const customer = searchParams.get('customer') ?? '';
      if (!this.customers.has(customer) || this.customers.get(customer)?.deleted === true) return missing('customer');
      const keys = this.activeEntitlements.get(customer) ?? [];
      return list(keys.map((key) => ({ id: uid('ent'), object: 'entitlements.active_entitlement', feature: uid('feat'), livemode: false, lookup_key: key })));
    }
    if (pathname === '/v1/charges') return list([...this.charges.values()].filter((charge) => charge.customer === searchParams.get('customer')));
    if ((match = /^\/v1\/charges\/([^/]+)$/.exec(pathname))) return this.charges.has(match[1]) ? [200, this.charges.get(match[1])!] : missing('charge');
    if ((match = /^\/v1\/products\/([^/]+)\/features$/.exec(pathname))) {
      const entry = this.products.get(match[1]);
      return list((entry?.features ?? []).map((key) => ({ id: uid('prodft'), object: 'product_feature', entitlement_feature: { id: uid('feat'), object: 'entitlements.feature', lookup_key: key, name: key, active: true } })));
    }
    if ((match = /^\/v1\/products\/([^/]+)$/.exec(pathname))) return this.products.has(match[1]) ? [200, this.products.get(match[1])!.product] : missing('product');
    if (pathname === '/v1/prices') {
      const keys = [...searchParams].filter(([key]) => key.startsWith('lookup_keys[')).map(([, value]) => value);
      return list([...this.prices.values()].filter((price) => keys.includes(price.lookup_key as string) && price.active === true));
    }
    if ((match = /^\/v1\/prices\/([^/]+)$/.exec(pathname))) {
      const price = this.prices.get(match[1]);
      if (!price) return missing('price');
      // Stripe includes a price's other currencies only when `expand[]=currency_options` asks for them.
      const { currency_options: options, ...rest } = price;
      return [200, [...searchParams.values()].includes('currency_options') && options !== undefined ? price : rest];
    }
    if ((match = /^\/v1\/invoices\/([^/]+)$/.exec(pathname))) return this.invoices.has(match[1]) ? [200, this.invoices.get(match[1])!] : missing('invoice');
    if ((match = /^\/v1\/refunds\/([^/]+)$/.exec(pathname))) return this.refunds.has(match[1]) ? [200, this.refunds.get(match[1])!] : missing('refund');
    if (pathname === '/v1/disputes') {
      // Newest first, as Stripe lists.
      const charge = searchParams.get('charge');
      return list([...this.disputes.values()].filter((dispute) => charge === null || dispute.charge === charge).sort((a, b) => (b.created as number) - (a.created as number)));
    }
    if ((match = /^\/v1\/disputes\/([^/]+)$/.exec(pathname))) return this.disputes.has(match[1]) ? [200, this.disputes.get(match[1])!] : missing('dispute');
    if ((match = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(pathname))) return this.checkoutSessions.has(match[1]) ? [200, this.checkoutSessions.get(match[1])!] : missing('checkout session');
    return [404, { error: { type: 'invalid_request_error', message: `unrouted ${method} ${pathname}` } }];
  }
}

const states = new Set<StripeState>();

/**
 * Routes nock's api.stripe.com to whichever registered state knows the requested object; ids are
 * unique per test, so concurrent tests in a file never see each other's objects.
 */
export function useStripeState(state: StripeState): () => void {
  if (states.size === 0) {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    nock('https://api.stripe.com').persist().get(/.*/).reply(function reply(uri: string | Request) {
      // nock 15 hands the fetch Request to reply functions, older versions the path.
      const url = typeof uri === 'string' ? uri : uri.url;
      const owner = [...states].find((candidate) => candidate.owns(url)) ?? (states.size === 1 ? [...states][0] : undefined);
      if (owner) return owner.answer('GET', url);
      return [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such object' } }];
    });
  }
  states.add(state);
  return () => { states.delete(state); };
}
