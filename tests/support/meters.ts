import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import Stripe from 'stripe';
import type { Context } from '../../shared/context.js';
import { createSimulator, type Simulator } from '../../tools/stripe-sim/server.js';
import { startServices, type TestServices } from './services.js';

export interface MeterStack {
  sim: Simulator;
  services: TestServices;
  /** A client of the test's own, which the simulator's weather never hits. */
  stripe: Stripe;
  meter: Stripe.Billing.Meter;
  worker: Context;
  /** Creates a customer at Stripe (the simulator) and in the service's database. */
  customer(): Promise<{ id: string; stripeCustomerId: string }>;
  /** Inserts ledger rows as the usage api would: `[occurredAt, amount, kind?]`. */
  addUsage(customerId: string, rows: ReadonlyArray<readonly [Date, number, string?]>, feature?: string): Promise<void>;
  /** The meter's usage Stripe holds for the customer over `[from, to)` (minute-aligned). */
  stripeTotal(stripeCustomerId: string, from: Date, to: Date): Promise<number>;
  /** The ledger's billed usage (consume and commit) of the exported feature. */
  ledgerTotal(customerId: string): Promise<number>;
}

const secretKey = 'sk_test_meterservice';

/**
 * An api and a worker talking to a Stripe simulator that has one `sum` meter, `api_calls`, which
 * the feature `api_calls` exports to. The simulator's weather hits only the service's key.
 */
export async function startMeterStack(t: ExecutionContext, env: Record<string, string> = {}): Promise<MeterStack> {
  const sim = await createSimulator({ weather: { onlyKeys: [secretKey] } });
  t.teardown(() => sim.close());
  const services = await startServices(t, { worker: true, env: { STRIPE_API_BASE: sim.url, STRIPE_SECRET_KEY: secretKey, STRIPE_RATE_LIMIT_PER_SECOND: '1000', METER_EVENTS_RATE_LIMIT_PER_SECOND: '1000', ...env } });
  const worker = services.worker!.context;
  // The catalog's `features` section (feature → Stripe meter), set on the loaded catalog of both processes.
  for (const context of [worker, services.api.context]) Object.assign(context.catalogFile, { features: { api_calls: { stripe_meter: 'api_calls' }, seats: {} } });
  const stripe = new Stripe('sk_test_testdriver', sim.stripeConfig);
  const meter = await stripe.billing.meters.create({ display_name: 'API calls', event_name: 'api_calls', default_aggregation: { formula: 'sum' } });
  const db = services.api.context.db;
  return {
    sim, services, stripe, meter, worker,
    async customer() {
      const created = await stripe.customers.create({ email: `${randomUUID()}@example.test` });
      const [row] = await db('customers').insert({ stripe_customer_id: created.id }).returning<{ id: string }[]>('id');
      return { id: row.id, stripeCustomerId: created.id };
    },
    async addUsage(customerId, rows, feature = 'api_calls') {
      const values = rows.map(([occurredAt, amount, kind]) => ({ customer_id: customerId, feature, kind: kind ?? 'consume', amount, idempotency_key: randomUUID(), request_hash: 'test', occurred_at: occurredAt }));
      for (let start = 0; start < values.length; start += 5000) await db('usage_ledger').insert(values.slice(start, start + 5000));
    },
    async stripeTotal(stripeCustomerId, from, to) {
      const summaries = await stripe.billing.meters.listEventSummaries(meter.id, { customer: stripeCustomerId, start_time: Math.floor(from.getTime() / 1000), end_time: Math.floor(to.getTime() / 1000) });
      return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
    },
    async ledgerTotal(customerId) {
      const row = await db('usage_ledger').where({ customer_id: customerId, feature: 'api_calls' }).whereIn('kind', ['consume', 'commit']).sum<{ total: string | null }>({ total: 'amount' }).first();
      return Number(row?.total ?? 0);
    },
  };
}

/** Minute-aligned `[from, to)` around now covering the last 36 days, for totals. */
export function exportRange(): { from: Date; to: Date } {
  const minute = 60_000;
  const now = Math.floor(Date.now() / minute) * minute;
  return { from: new Date(now - 36 * 86_400_000), to: new Date(now + 10 * minute) };
}
