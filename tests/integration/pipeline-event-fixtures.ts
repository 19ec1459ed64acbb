import { isDeepStrictEqual } from 'node:util';
import type { ExecutionContext } from 'ava';
import { createKey } from '../../shared/api-keys.js';
import type { FeatureValue } from '../../shared/domain/index.js';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import type { TestServices } from '../support/services.js';
import { StripeState, uid, useStripeState, type ItemSpec, type Json } from '../support/stripe-state.js';
import { deliver } from '../support/webhooks.js';

/**
 * Helpers for the every-event-type pipeline test: one api + worker (own database and Redis prefix)
 * shared by all tests of the file, one in-memory Stripe, and a per-test scenario that delivers
 * signed events through HTTP and reads back the inbox, the mirror, the entitlements and the read API.
 * Every test makes its own customers, subscriptions, products and prices, so tests run concurrently.
 */

export interface Pipeline { services: TestServices; stripe: StripeState; readKey: string }

/** Starts on first use; `stop` tears down in reverse order (ava runs a hook's own teardowns when the hook ends). */
export function sharedPipeline(): { get: () => Promise<Pipeline>; stop: () => Promise<void> } {
  const teardowns: (() => unknown)[] = [];
  let started: Promise<Pipeline> | undefined;
  const start = async (): Promise<Pipeline> => {
    const stripe = new StripeState();
    teardowns.push(useStripeState(stripe));
    const lifetime = { teardown: (fn: () => unknown) => { teardowns.push(fn); } } as unknown as ExecutionContext;
    // Fifty tests share this pipeline and its Stripe rate limit: the limit is not what they test.
    const services = await startPipeline(lifetime, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
    const { key } = await createKey(services.api.context.db, { name: 'every-event-type', scope: 'read' });
    return { services, stripe, readKey: key };
  };
  return {
    get: () => (started ??= start()),
    stop: async () => {
      for (const teardown of teardowns.reverse()) await teardown();
    },
  };
}

/** Subscription items matching the test catalog (tests/support/catalog.ts), each with its own price id. */
export const items = {
  basic: (): ItemSpec => ({ price: uid('price'), product: 'prod_basic', lookupKey: 'basic_monthly' }),
  pro: (): ItemSpec => ({ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }),
  team: (quantity: number): ItemSpec => ({ price: uid('price'), product: 'prod_team', quantity }),
};
export type Features = Record<string, FeatureValue>;
export const basicFeatures: Features = { api_calls: 1000, basic: true };
export const proFeatures: Features = { api_calls: 10000, basic: true, pro: true };
export const featureMap = (entitlements: readonly StoredEntitlement[]): Features => Object.fromEntries(entitlements.map((e) => [e.feature, e.value]));

export interface EventRow { id: string; type: string; status: string; customer_id: string | null; last_error: string | null }
export interface ReadBody { customer: { id: string; stripe_customer_id: string | null; user_id: string | null } | null; entitlements: StoredEntitlement[] }

/** A thin event as an event destination sends it: only the related object's id and type. */
export function makeThinEvent(type: string, related: { id: string; type: string }): Json {
  return { id: uid('evt'), object: 'v2.core.event', type, created: new Date().toISOString(), livemode: false, related_object: { ...related, url: `/v1/${related.type.replace('.', '/')}s/${related.id}` } };
}

const finished = new Set(['processed', 'ignored', 'dead']);

export class Scenario {
  constructor(private readonly t: ExecutionContext, private readonly pipeline: Pipeline) {}

  get stripe(): StripeState { return this.pipeline.stripe; }
  get db() { return this.pipeline.services.api.context.db; }

  /**
   * Delivers a signed event twice at once (Stripe may redeliver), waits until its inbox row is
   * finished, and checks both answers were 200 and that it is one row with `status`.
   */
  async deliver(event: Json, status: 'processed' | 'ignored' = 'processed'): Promise<EventRow> {
    const responses = await Promise.all([deliver(this.pipeline.services.url, event), deliver(this.pipeline.services.url, event)]);
    this.t.deepEqual(responses.map((response) => response.status), [200, 200]);
    await eventually(async () => finished.has((await this.eventRows(event.id as string))[0]?.status ?? ''), 20_000);
    const rows = await this.eventRows(event.id as string);
    this.t.is(rows.length, 1, 'one inbox row per event however often it is delivered');
    this.t.is(rows[0]?.status, status, `${String(event.type)}: ${rows[0]?.last_error ?? ''}`);
    return rows[0];
  }

  /**
   * Waits until the sync queue has no job waiting, running or delayed (a job in backoff is not
   * done): recomputes enqueued by catalog events included.
   */
  async jobsDone(): Promise<void> {
    const { sync } = this.pipeline.services.api.context.queues;
    await eventually(async () => Object.values(await sync.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'waiting-children')).every((count) => count === 0), 20_000);
  }

  private eventRows(id: string): Promise<EventRow[]> {
    return this.db('stripe_events').where({ id }).select<EventRow[]>('id', 'type', 'status', 'customer_id', 'last_error');
  }

  /** The stored entitlements of a customer (null when it has none computed). */
  async entitlements(stripeCustomerId: string): Promise<StoredEntitlement[] | null> {
    const row = await this.db('customers as c').join('entitlements as e', 'e.customer_id', 'c.id')
      .where('c.stripe_customer_id', stripeCustomerId).first<{ features: StoredEntitlement[] } | undefined>('e.features');
    return row?.features ?? null;
  }

  async features(stripeCustomerId: string): Promise<Features | null> {
    const stored = await this.entitlements(stripeCustomerId);
    return stored && featureMap(stored);
  }

  /** Catalog changes recompute holders in jobs of their own, after the event is processed: waits for `expected`, returns what is stored. */
  async featuresEventually(stripeCustomerId: string, expected: Features): Promise<Features | null> {
    await eventually(async () => isDeepStrictEqual(await this.features(stripeCustomerId), expected), 15_000).catch(() => undefined);
    return this.features(stripeCustomerId);
  }

  /**
   * `GET /v1/customers/:ref/entitlements` with a read key. The cache is invalidated just after the
   * sync commits, so an earlier answer may linger a moment: polls until the features are `expected`.
   */
  async read(ref: string, expected: Features): Promise<ReadBody> {
    const get = async (): Promise<ReadBody> => {
      const response = await fetch(`${this.pipeline.services.url}/v1/customers/${encodeURIComponent(ref)}/entitlements`, { headers: { authorization: `Bearer ${this.pipeline.readKey}` } });
      this.t.is(response.status, 200);
      return (await response.json()) as ReadBody;
    };
    await eventually(async () => isDeepStrictEqual(featureMap((await get()).entitlements), expected), 10_000).catch(() => undefined);
    return get();
  }

  async customerRow(stripeCustomerId: string): Promise<Json | undefined> {
    return this.db('customers').where({ stripe_customer_id: stripeCustomerId }).first<Json | undefined>();
  }

  async subscriptionRow(id: string): Promise<Json | undefined> {
    return this.db('subscriptions').where({ id }).first<Json | undefined>();
  }

  async itemRows(subscriptionId: string): Promise<Json[]> {
    return this.db('subscription_items').where({ subscription_id: subscriptionId }).orderBy('id');
  }

  /** How often the service asked Stripe for `path` (e.g. `/v1/charges/ch_…`). */
  fetches(path: string): number {
    return this.stripe.calls.filter((call) => call === `GET ${path}`).length;
  }
}
