import type { ExecutionContext } from 'ava';
import { Cluster } from 'ioredis';
import { start as startApi, type ApiProcess } from '../../api/main.js';
import { start as startWorker, type WorkerProcess } from '../../workers/main.js';
import type { Config } from '../../shared/infra/config.js';
import { keyFor, read } from '../integration/entitlements-fixtures.js';
import { catalogFile } from './catalog.js';
import { testConfig } from './config.js';
import { createTestDatabase } from './database.js';
import { featureLines, mirrorOf } from './pipeline.js';
import { eventually } from './processes.js';
import type { TestServices } from './services.js';
import { StripeState, uid, useStripeState, type Json } from './stripe-state.js';
import { deliver, makeEvent } from './webhooks.js';

/** Stalled jobs and jobs Redis lost come back within seconds rather than the production minutes. */
export const fastRecovery = { JOB_LOCK_MS: '1500', RELAY_INTERVAL_MS: '300', RELAY_AFTER_SECONDS: '1', JOB_BACKOFF_MS: '100', JOB_ATTEMPTS: '20', WORKER_CONCURRENCY: '4' };

export interface FailoverStack { config: Config; api: ApiProcess; worker: WorkerProcess; url: string; readKey: string; stripe: StripeState }

/** An api and a worker on the given Redis settings (and any other `env`), with a Stripe of nock answers and a read key. */
export async function failoverStack(t: ExecutionContext, env: Record<string, string>): Promise<FailoverStack> {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const config = testConfig(database.url, { ...fastRecovery, CATALOG_FILE: catalogFile(), ...env });
  const api = await startApi(config, { silentLogs: true });
  const worker = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.teardown(async () => { await worker.stop(); await api.stop(); });
  const readKey = await keyFor(api.context.db);
  return { config, api, worker, url: `http://127.0.0.1:${api.port}`, readKey, stripe };
}

/** The api's Redis connection, which must be a Redis Cluster one. */
export function clusterConnection(stack: FailoverStack): Cluster {
  const { redis } = stack.api.context;
  if (!(redis instanceof Cluster)) throw new Error('the api is not connected to a Redis Cluster');
  return redis;
}

/** A new customer with an active pro subscription, and the event announcing it. */
export function proCustomer(stripe: StripeState): { id: string; event: Json } {
  const id = stripe.customer();
  const sub = stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  return { id, event: makeEvent('customer.subscription.created', stripe.subscriptions.get(sub)!) };
}

export interface LoadOutcome { acknowledged: string[]; refused: number; reads: number; failedReads: number }

/**
 * Bounded load: `events` signed webhooks, one new customer each, `concurrency` at a time, with an
 * entitlement read of an already delivered customer beside each; `fault` runs once after
 * `faultAfter` deliveries were answered. Returns the customers whose webhook was acknowledged (2xx).
 */
export async function runLoad(stack: FailoverStack, options: { events: number; concurrency: number; faultAfter: number; fault: () => Promise<void> }): Promise<LoadOutcome> {
  const planned = Array.from({ length: options.events }, () => proCustomer(stack.stripe));
  const outcome: LoadOutcome = { acknowledged: [], refused: 0, reads: 0, failedReads: 0 };
  let next = 0;
  let answered = 0;
  let fault: Promise<void> | undefined;
  const lane = async () => {
    while (next < planned.length) {
      const { id, event } = planned[next++];
      const response = await deliver(stack.url, event);
      await response.arrayBuffer();
      if (response.ok) outcome.acknowledged.push(id);
      else outcome.refused += 1;
      answered += 1;
      if (answered === options.faultAfter) fault = options.fault();
      const known = outcome.acknowledged[Math.floor(Math.random() * outcome.acknowledged.length)];
      if (known) {
        const answer = await read(stack.url, `/v1/customers/${known}/entitlements`, stack.readKey);
        await answer.arrayBuffer();
        outcome.reads += 1;
        if (answer.status !== 200) outcome.failedReads += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  await fault;
  return outcome;
}

/** Waits until every acknowledged customer's events are processed and its entitlements read pro through the api. */
export async function expectAllPro(t: ExecutionContext, stack: FailoverStack, ids: readonly string[], ms = 90_000): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await stack.api.context.db('stripe_events').whereNot({ status: 'processed' }).count<{ n: number }[]>({ n: '*' });
    return n === 0;
  }, ms, 100);
  let wrong = 0;
  for (const id of ids) {
    const mirror = await mirrorOf({ api: stack.api } as TestServices, id);
    if ([...featureLines(mirror) ?? []].sort().join(',') !== 'api_calls=10000,basic=true,pro=true') wrong += 1;
  }
  t.is(wrong, 0, 'every acknowledged customer ends with the pro features in the mirror');
  const readsPro = async () => {
    let pro = 0;
    for (const id of ids) {
      const response = await read(stack.url, `/v1/customers/${id}/entitlements`, stack.readKey);
      const body = (await response.json()) as { entitlements?: { feature: string }[] };
      if (response.status === 200 && body.entitlements?.some((entry) => entry.feature === 'pro')) pro += 1;
    }
    return pro;
  };
  // A cache entry filled before the event was processed is invalidated by it: reads turn pro shortly after.
  await eventually(async () => (await readsPro()) === ids.length, 30_000, 200).catch(() => undefined);
  t.is(await readsPro(), ids.length, 'every acknowledged customer reads pro through the api');
}
