import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import knex from 'knex';
import Stripe from 'stripe';

/**
 * The ceiling of the ingest benchmark: Express 5 doing the bare minimum a durable webhook needs —
 * verify the signature, insert the event (ON CONFLICT DO NOTHING), add a job whose id is the event
 * id, answer 200 — with no validation, logging, metrics or error policy.
 * Usage: `tsx ingest-ceiling-server.ts <port> <database-url> <redis-url> <prefix> <secret>`.
 */
const [port, databaseUrl, redisUrl, prefix, secret] = process.argv.slice(2);
if (!port || !databaseUrl || !redisUrl || !prefix || !secret) throw new Error('usage: ingest-ceiling-server.ts <port> <database-url> <redis-url> <prefix> <secret>');
const stripe = new Stripe('sk_test_ceiling');
const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 2, max: 10 } });
const queue = new Queue('events', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix });
const app = express();
app.post('/webhooks/stripe', express.raw({ type: () => true, limit: '2mb' }), async (req, res) => {
  const event = stripe.webhooks.constructEvent(req.body as Buffer, String(req.headers['stripe-signature']), secret);
  await db('stripe_events').insert({ id: event.id, type: event.type, payload: event }).onConflict('id').ignore();
  await queue.add(event.type, { eventId: event.id }, { jobId: event.id });
  res.json({ received: true });
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => { void Promise.allSettled([queue.close(), db.destroy()]).then(() => process.exit(0)); });
