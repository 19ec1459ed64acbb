import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Redis } from 'ioredis';
import knex from 'knex';
import type Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import { appendToLog } from '../../shared/notify/change-log.js';
import type { NotifyEvent } from '../../shared/notify/entitlement-event.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { percentile, round } from './support/figures.js';
import { stopChild } from './support/processes.js';
import { deleteKeys } from './support/redis-keys.js';
import { signedEvent } from './support/signed-events.js';
import { seedSubscriptions } from './support/simulator.js';
import { startWebhookServices } from './support/webhook-services.js';

/**
 * Webhook 2xx → `entitlements.updated` at an SSE client of every customer: signed
 * `customer.subscription.created` events at an even `rate` to the api with workers running against
 * the local Stripe simulator, after a warm-up at the same rate. The ceiling, on the same stream in the
 * same run and at the same rate: an event appended to the change log by this process → its arrival
 * (the api's hop alone, with no webhook, queue, Stripe read or database write before it).
 */
export interface StreamLatencyFigures {
  rate: number; events: number; arrived: number; non2xx: number; beforeAck: number; p50Ms: number; p99Ms: number; maxMs: number;
  warmUp: { events: number; arrived: number; p99Ms: number };
  ceiling: { events: number; arrived: number; p50Ms: number; p99Ms: number };
}

const rate = 100;
const seconds = 10;
const warmUpSeconds = 3;

/** Calls `send(item)` for each item at an even `rate` per second; resolves when every call has. */
async function paced<T>(items: readonly T[], send: (item: T) => Promise<void>): Promise<void> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (const [index, item] of items.entries()) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(item));
  }
  await Promise.all(pending);
}

/** Waits until `done()` or `ms` passed. */
async function settle(done: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!done() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

export async function measureStreamLatency(): Promise<StreamLatencyFigures> {
  const database = await createBenchDatabase();
  const prefix = `{bench-stream-lat-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  const children: Parameters<typeof stopChild>[0][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let stream: http.ClientRequest | undefined;
  try {
    const { sim, apiPort } = await startWebhookServices(database.url, benchEnvironment.redisUrl, prefix, children);
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    const { key } = await createKey(db, { name: 'bench-stream-latency', scope: 'stream' }).finally(() => db.destroy());
    const total = rate * seconds;
    const warmUpEvents = rate * warmUpSeconds;
    const subscriptions = await seedSubscriptions(sim.url, warmUpEvents + total);

    // Arrival time of the first `entitlements.updated` per Stripe customer, and per entry id.
    const arrivedByCustomer = new Map<string, number>();
    const arrivedById = new Map<string, number>();
    await new Promise<void>((resolve, reject) => {
      stream = http.request({ host: '127.0.0.1', port: apiPort, path: '/v1/stream', agent: false, headers: { authorization: `Bearer ${key}` } }, (response) => {
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const now = performance.now();
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (.*)$/m.exec(frame)?.[1];
            if (!/^event: entitlements\.updated$/m.test(frame) || id === undefined) continue;
            arrivedById.set(id, now);
            const customer = (JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as { data?: { customer?: { stripe_customer_id?: string } } }).data?.customer?.stripe_customer_id;
            if (customer && !arrivedByCustomer.has(customer)) arrivedByCustomer.set(customer, now);
          }
        });
        resolve();
      });
      stream.on('error', reject);
      stream.end();
    });

    let non2xx = 0;
    const acknowledged = new Map<string, number>();
    const post = (subscription: Stripe.Subscription) => new Promise<void>((resolve, reject) => {
      const { body, signature } = signedEvent(subscription as unknown as Record<string, unknown>, 'customer.subscription.created');
      const outgoing = http.request(`http://127.0.0.1:${apiPort}/webhooks/stripe`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }, (response) => {
        response.resume();
        response.on('end', () => {
          const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
          if (response.statusCode === 200) acknowledged.set(customer, performance.now());
          else non2xx += 1;
          resolve();
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    // An event can reach the stream before this process has handled the 2xx: that counts as 0 ms.
    const latencies = (batch: readonly Stripe.Subscription[]) => batch.flatMap((subscription) => {
      const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
      const [sent, arrived] = [acknowledged.get(customer), arrivedByCustomer.get(customer)];
      return sent === undefined || arrived === undefined ? [] : [arrived - sent];
    });
    const drive = async (batch: readonly Stripe.Subscription[]) => {
      await paced(batch, post);
      await settle(() => latencies(batch).length + non2xx >= batch.length, 30_000);
      const raw = latencies(batch);
      return { beforeAck: raw.filter((ms) => ms < 0).length, sorted: sorted(raw.map((ms) => Math.max(0, ms))) };
    };
    // Warm-up at the same rate, reported apart: freshly started processes compile code and open connections.
    const warm = (await drive(subscriptions.slice(0, warmUpEvents))).sorted;
    non2xx = 0;
    const { sorted: measured, beforeAck } = await drive(subscriptions.slice(warmUpEvents));

    // Ceiling: the change log → stream hop alone, same stream, same rate.
    const appended = new Map<string, number>();
    const customer = { id: '00000000-0000-0000-0000-000000000001', stripe_customer_id: 'cus_ceiling', user_id: null };
    const events = Array.from({ length: total }, (_, index): NotifyEvent => ({
      id: `evt_ceiling_${index}`, type: 'entitlements.updated', created: new Date().toISOString(),
      data: { customer, version: index + 1, entitlements: [], diff: { added: [], removed: [], changed: [] }, cause: { type: 'system', id: null } },
    }));
    await paced(events, async (event) => {
      const [id] = await appendToLog(redis, prefix, 24, [event]);
      appended.set(id, performance.now());
    });
    const hops = () => [...appended].flatMap(([id, at]) => { const arrived = arrivedById.get(id); return arrived === undefined ? [] : [Math.max(0, arrived - at)]; });
    await settle(() => hops().length >= total, 10_000);
    const ceiling = sorted(hops());

    return {
      rate, events: total, arrived: measured.length, non2xx, beforeAck,
      p50Ms: round(percentile(measured, 50), 1), p99Ms: round(percentile(measured, 99), 1), maxMs: round(measured.at(-1) ?? Number.NaN, 1),
      warmUp: { events: warmUpEvents, arrived: warm.length, p99Ms: round(percentile(warm, 99), 1) },
      ceiling: { events: total, arrived: ceiling.length, p50Ms: round(percentile(ceiling, 50), 1), p99Ms: round(percentile(ceiling, 99), 1) },
    };
  } finally {
    stream?.destroy();
    agent.destroy();
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await database.drop();
  }
}

export function formatStreamLatency(f: StreamLatencyFigures): string {
  return [
    `webhook 2xx → entitlements.updated at an SSE client, ${f.rate} events/s for ${f.events} events: ${f.arrived} arrived (${f.beforeAck} before their 2xx, counted as 0 ms), ${f.non2xx} non-2xx, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms`,
    `  after a warm-up of ${f.warmUp.events} events at the same rate (${f.warmUp.arrived} arrived, p99 ${f.warmUp.p99Ms} ms)`,
    `  ceiling, change log append → same client at ${f.rate}/s: ${f.ceiling.arrived}/${f.ceiling.events} arrived, p50 ${f.ceiling.p50Ms} ms, p99 ${f.ceiling.p99Ms} ms`,
  ].join('\n');
}
