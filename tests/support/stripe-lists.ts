import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '../../shared/context.js';
import type { Db } from '../../shared/infra/db.js';
import type { ReconciliationRun } from '../../shared/reconcile/runs.js';
import { stripeApiVersion } from '../../shared/infra/stripe.js';
import { recomputeInTransaction } from '../../shared/entitlements/recompute.js';
import type { CustomerSnapshot } from '../../shared/sync/fetch-customer.js';
import { writeSnapshot } from '../../shared/sync/write-snapshot.js';
import { eventually } from './processes.js';
import { StripeState, uid, type Json, type StripeAnswer } from './stripe-state.js';

interface Failure { matches: (url: URL) => boolean; status: number; remaining: number }

/**
 * A StripeState that also answers the account-wide lists reconciliation and catch-up page through:
 * `GET /v1/subscriptions` without a customer and `GET /v1/events`, newest first, `limit`,
 * `starting_after`, `created[gte]` and `has_more` as Stripe does. `failNext` makes chosen requests
 * fail (e.g. the third page), and `listCalls` records each list request with its query.
 */
export class ListingStripeState extends StripeState {
  readonly events: Json[] = [];
  readonly listCalls: string[] = [];
  private readonly failures: Failure[] = [];

  /** A Stripe event (pinned API version shape) that Stripe lists; newest last. */
  event(type: string, object: Json, fields: Json = {}): Json {
    const event = {
      id: uid('evt'), object: 'event', type, api_version: stripeApiVersion, created: Math.floor(Date.now() / 1000), livemode: false,
      pending_webhooks: 0, request: { id: null, idempotency_key: null }, data: { object }, ...fields,
    };
    this.events.push(event);
    return event;
  }

  /** The next `times` requests matching `matches` answer `status` (a 500 is transient, a 400 permanent). */
  failNext(matches: (url: URL) => boolean, status = 500, times = 1): void {
    this.failures.push({ matches, status, remaining: times });
  }

  /** The id of the last subscription on `page` (1-based) of the account-wide list with `limit`. */
  pageBoundary(page: number, limit = 100): string {
    return this.newestFirst([...this.subscriptions.values()])[page * limit - 1].id as string;
  }

  override answer(method: string, url: string): StripeAnswer {
    const parsed = new URL(url, 'https://api.stripe.com');
    const failure = this.failures.find((entry) => entry.remaining > 0 && entry.matches(parsed));
    if (failure) {
      failure.remaining -= 1;
      this.calls.push(`${method} ${parsed.pathname}`);
      this.listCalls.push(`${parsed.pathname}${parsed.search} -> ${failure.status}`);
      const type = failure.status >= 500 ? 'api_error' : 'invalid_request_error';
      return [failure.status, { error: { type, message: `injected failure (${failure.status})` } }];
    }
    const accountWide = parsed.pathname === '/v1/subscriptions' && !parsed.searchParams.has('customer');
    const payments = (parsed.pathname === '/v1/disputes' && !parsed.searchParams.has('charge')) || parsed.pathname === '/v1/refunds';
    if (!accountWide && !payments && parsed.pathname !== '/v1/events') return super.answer(method, url);
    this.calls.push(`${method} ${parsed.pathname}`);
    this.listCalls.push(`${parsed.pathname}${parsed.search}`);
    // `expand[]=data.charge` embeds each refund's charge, as Stripe does.
    const withCharge = [...parsed.searchParams].some(([key, value]) => key.startsWith('expand[') && value === 'data.charge');
    const objects = accountWide ? [...this.subscriptions.values()]
      : parsed.pathname === '/v1/disputes' ? [...this.disputes.values()]
        : parsed.pathname === '/v1/refunds' ? [...this.refunds.values()].map((refund) => (withCharge ? { ...refund, charge: this.charges.get(refund.charge as string) ?? refund.charge } : refund))
          : this.events;
    const status = parsed.searchParams.get('status');
    const gte = parsed.searchParams.get('created[gte]');
    const filtered = this.newestFirst(objects)
      .filter((object) => !accountWide || status === 'all' || (status ? object.status === status : !['canceled', 'incomplete_expired'].includes(object.status as string)))
      .filter((object) => gte === null || (object.created as number) >= Number(gte));
    const limit = Number(parsed.searchParams.get('limit') ?? 10);
    const after = parsed.searchParams.get('starting_after');
    const start = after ? filtered.findIndex((object) => object.id === after) + 1 : 0;
    if (after && start === 0) return [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such object: ${after}` } }];
    const data = filtered.slice(start, start + limit);
    return [200, { object: 'list', data, has_more: start + limit < filtered.length, url: parsed.pathname }];
  }

  /** Stripe lists newest first; objects created in the same second keep their creation order, newest first. */
  private newestFirst(objects: Json[]): Json[] {
    return objects.map((object, index) => ({ object, index }))
      .sort((a, b) => (b.object.created as number) - (a.object.created as number) || b.index - a.index)
      .map(({ object }) => object);
  }
}

/**
 * Serves a state over HTTP (point STRIPE_API_BASE at `url`), with a gate: requests matching
 * `pattern` wait until `open()`, so a test can hold a run mid-page deterministically.
 */
export async function serveWithGate(state: StripeState, pattern: RegExp): Promise<{ url: string; waiting: () => number; open: () => void; close: () => Promise<void> }> {
  const held: (() => void)[] = [];
  let gateOpen = false;
  const server = http.createServer((req, res) => {
    const respond = () => {
      const [status, body, headers] = state.answer(req.method ?? 'GET', req.url ?? '/');
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_test', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!gateOpen && pattern.test(req.url ?? '')) held.push(respond);
    else respond();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waiting: () => held.length,
    open: () => { gateOpen = true; for (const respond of held.splice(0)) respond(); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Waits until a reconciliation run has finished (succeeded or failed) and returns its row. */
export async function finishedRun(db: Db, id: string, ms = 30_000): Promise<ReconciliationRun> {
  let run: ReconciliationRun | undefined;
  await eventually(async () => {
    run = await db('reconciliation_runs').where({ id }).first<ReconciliationRun | undefined>();
    return run?.status === 'succeeded' || run?.status === 'failed';
  }, ms);
  return run!;
}

/**
 * Mirrors the customers as the webhook pipeline would have, straight from the state (the same
 * write and recompute as a sync, without the HTTP round trips, which nock makes slow).
 */
export async function seedMirror(context: Context, state: StripeState, stripeCustomerIds: readonly string[]): Promise<void> {
  for (const id of stripeCustomerIds) {
    const snapshot: CustomerSnapshot = {
      fetchStartedAt: new Date(),
      customer: state.customers.get(id) as unknown as CustomerSnapshot['customer'],
      subscriptions: [...state.subscriptions.values()].filter((sub) => sub.customer === id) as unknown as CustomerSnapshot['subscriptions'],
      refundedCharges: new Set(),
      refundedIntents: new Set(),
      disputes: new Map(),
    };
    await context.db.transaction(async (trx) => {
      const customerId = await writeSnapshot(trx, snapshot);
      await recomputeInTransaction(trx, context, customerId, { actor: 'test' });
    });
  }
}
