import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import knex from 'knex';

/**
 * The ceiling of the processing benchmark: a bare BullMQ worker doing the least an event needs —
 * read the inbox row, one Stripe read (the customer's subscriptions, from the simulator), mark the
 * row processed — with no mirror, entitlements, audit, cache or error policy.
 * Usage: `tsx processing-ceiling-worker.ts <redis-url> <prefix> <database-url> <stripe-base> <concurrency>`.
 */
const [redisUrl, prefix, databaseUrl, stripeBase, concurrency] = process.argv.slice(2);
if (!redisUrl || !prefix || !databaseUrl || !stripeBase || !concurrency) throw new Error('usage: processing-ceiling-worker.ts <redis-url> <prefix> <database-url> <stripe-base> <concurrency>');
const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 2, max: 10 } });
const worker = new Worker<{ eventId: string }>('events', async (job) => {
  const row = await db('stripe_events').where({ id: job.data.eventId }).first<{ payload: { data: { object: { customer: string } } } }>('payload');
  if (!row) throw new Error(`no inbox row ${job.data.eventId}`);
  const response = await fetch(`${stripeBase}/v1/subscriptions?customer=${row.payload.data.object.customer}&status=all`, { headers: { authorization: 'Bearer sk_test_bench' } });
  if (!response.ok) throw new Error(`stripe answered ${response.status}`);
  await response.json();
  await db('stripe_events').where({ id: job.data.eventId }).update({ status: 'processed', processed_at: db.fn.now() });
}, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix, concurrency: Number(concurrency), removeOnComplete: { count: 0 } });
worker.on('ready', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => { void Promise.allSettled([worker.close(), db.destroy()]).then(() => process.exit(0)); });
