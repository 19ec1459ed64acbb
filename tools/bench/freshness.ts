import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import knex from 'knex';
import type Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { percentile, round } from './support/figures.js';
import { cpuByProcess, stopChild } from './support/processes.js';
import { deleteKeys } from './support/redis-keys.js';
import { signedEvent } from './support/signed-events.js';
import { seedSubscriptions } from './support/simulator.js';
import { startWebhookServices } from './support/webhook-services.js';

/**
 * Freshness: signed `customer.subscription.created` events at an even 100/s to the api with
 * workers running against the local Stripe simulator, and for each the time from the 2xx to the
 * read API answering with the entitlement it grants. Measured after a warm-up at the same rate, whose
 * figure is reported beside it.
 */

/**
 * `readsPerEvent`: entitlement reads the measurement made per event. `cpuMsPerEvent`: CPU each process used while events were sent and awaited, per
 * event (`services`: Postgres and Redis; `machine`: every process, this one included).
 */
export interface FreshnessFigures {
  rate: number; events: number; readable: number; p50Ms: number; p99Ms: number; maxMs: number; non2xx: number; readsPerEvent: number;
  /** The warm-up before the measured events, at the same rate: what a freshly started service does. */
  warmUp: { events: number; readable: number; non2xx: number; p99Ms: number };
  cpuMsPerEvent: Record<string, number>;
}

const freshnessRate = 100;
const freshnessSeconds = 10;
const warmUpSeconds = 3;
const sweepMs = 1000;
/** How long a customer waits unread before the sweep reads it again. */
const sweepAfterMs = 5000;

/** Freshness at an even rate: 2xx of the webhook → the read API grants `pro`. */
export async function measureFreshness(): Promise<FreshnessFigures> {
  const database = await createBenchDatabase();
  const prefix = `{bench-fresh-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  const children: Parameters<typeof stopChild>[0][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const { sim, api, worker, apiPort } = await startWebhookServices(database.url, benchEnvironment.redisUrl, prefix, children);
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    const { key } = await createKey(db, { name: 'bench-freshness', scope: 'read' }).finally(() => db.destroy());
    const total = freshnessRate * freshnessSeconds;
    const warmUpEvents = freshnessRate * warmUpSeconds;
    const subscriptions = await seedSubscriptions(sim.url, warmUpEvents + total);

    const request = (method: string, url: string, headers: Record<string, string>, body?: string) => new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = http.request(url, { method, agent, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    const readable = async (customer: string) => {
      const answer = await request('GET', `http://127.0.0.1:${apiPort}/v1/customers/${customer}/entitlements`, { authorization: `Bearer ${key}` });
      return answer.status === 200 && answer.text.includes('"pro"');
    };
    // The observer reads a customer when the service announces its invalidation (the message every
    // api process also receives), retrying a few times 5 ms apart while the api applies it; a sweep
    // every `sweepMs` re-reads whoever has waited `sweepAfterMs` since it was last read, so a missed
    // message costs resolution, not a result. About one read per event: the measurement adds little
    // load of its own, and none that grows with a backlog (which re-reading everyone waiting would).
    const latencies: number[] = [];
    const waiting = new Map<string, number>();
    const reading = new Set<string>();
    /** When each waiting customer was last read (or acknowledged, before its first read). */
    const lastRead = new Map<string, number>();
    let non2xx = 0;
    let reads = 0;
    const check = async (customer: string, tries: number) => {
      if (reading.has(customer)) return;
      reading.add(customer);
      try {
        for (let attempt = 0; attempt < tries; attempt += 1) {
          const acknowledged = waiting.get(customer);
          if (acknowledged === undefined) return;
          reads += 1;
          lastRead.set(customer, performance.now());
          if (await readable(customer)) {
            latencies.push(performance.now() - acknowledged);
            waiting.delete(customer);
            lastRead.delete(customer);
            return;
          }
          if (performance.now() - acknowledged > 30_000) { waiting.delete(customer); lastRead.delete(customer); return; }
          if (attempt + 1 < tries) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        reading.delete(customer);
      }
    };
    const subscriber = new Redis(benchEnvironment.redisUrl);
    subscriber.on('error', (error: Error) => process.stderr.write(`freshness observer: Redis ${error.message}\n`));
    // A sync can finish before this process has handled the webhook's 2xx: its announcement is kept
    // until the customer starts waiting.
    const announced = new Set<string>();
    subscriber.on('message', (_channel: string, message: string) => {
      for (const ref of JSON.parse(message) as string[]) {
        if (waiting.has(ref)) void check(ref, 10);
        else announced.add(ref);
      }
    });
    await subscriber.subscribe(cacheKeys.channel(prefix));
    let driving = true;
    const sweeper = (async () => {
      while (driving || waiting.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, sweepMs));
        const now = performance.now();
        const due = [...waiting.keys()].filter((customer) => now - (lastRead.get(customer) ?? waiting.get(customer) ?? now) >= sweepAfterMs);
        for (let next = 0; next < due.length; next += 4) await Promise.all(due.slice(next, next + 4).map((customer) => check(customer, 1)));
      }
    })();
    const one = async (subscription: Stripe.Subscription) => {
      const { body, signature } = signedEvent(subscription as unknown as Record<string, unknown>, 'customer.subscription.created');
      const answer = await request('POST', `http://127.0.0.1:${apiPort}/webhooks/stripe`, { 'content-type': 'application/json', 'stripe-signature': signature }, body);
      if (answer.status !== 200) { non2xx += 1; return; }
      const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
      waiting.set(customer, performance.now());
      if (announced.delete(customer)) void check(customer, 10);
    };
    const drive = async (batch: readonly Stripe.Subscription[]) => {
      const started = performance.now();
      const pending: Promise<void>[] = [];
      for (const [index, subscription] of batch.entries()) {
        const wait = started + (index * 1000) / freshnessRate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        pending.push(one(subscription));
      }
      await Promise.all(pending);
      while (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    // Warm-up at the same rate, measured apart: the first events after a start also pay for
    // compiling code and opening connections, which says nothing about a running service.
    await drive(subscriptions.slice(0, warmUpEvents));
    const warmUp = { events: warmUpEvents, readable: latencies.length, non2xx, p99Ms: round(percentile([...latencies].sort((a, b) => a - b), 99), 1) };
    latencies.length = 0;
    reads = 0;
    non2xx = 0;
    const cpuBefore = await cpuByProcess({ worker: worker.child.pid, api: api.child.pid, simulator: sim.child.pid });
    await drive(subscriptions.slice(warmUpEvents));
    driving = false;
    await sweeper;
    subscriber.disconnect();
    const cpuAfter = await cpuByProcess({ worker: worker.child.pid, api: api.child.pid, simulator: sim.child.pid });
    const sorted = latencies.sort((a, b) => a - b);
    return {
      rate: freshnessRate, events: total, readable: sorted.length, non2xx,
      p50Ms: round(percentile(sorted, 50), 1), p99Ms: round(percentile(sorted, 99), 1), maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
      readsPerEvent: round(reads / total, 1), warmUp,
      cpuMsPerEvent: Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, round((ms - (cpuBefore[name] ?? 0)) / total, 1)])),
    };
  } finally {
    agent.destroy();
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await database.drop();
  }
}

export function formatFreshness(f: FreshnessFigures, targetP99Ms: number, met: boolean): string[] {
  return [
    `freshness at ${f.rate} events/s for ${f.events} events: ${f.readable} readable, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, ${f.readsPerEvent} reads per event ` +
      `(target p99 ≤ ${targetP99Ms} ms: ${met ? 'met' : 'MISSED'})`,
    `  after a warm-up of ${f.warmUp.events} events at the same rate (${f.warmUp.readable} readable, p99 ${f.warmUp.p99Ms} ms: freshly started processes)`,
    `  CPU ms per event meanwhile: ${Object.entries(f.cpuMsPerEvent).map(([name, ms]) => `${name} ${ms}`).join(', ')} (${availableParallelism()} cores give ${(availableParallelism() * 1000) / f.rate} ms per event at ${f.rate}/s)`,
  ];
}
