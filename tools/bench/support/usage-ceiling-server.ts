import { randomUUID } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';
import { createDb } from '../../../shared/infra/db.js';
import { LedgerWriter } from '../../../shared/usage/ledger-writer.js';

/**
 * The ceiling of the usage benchmark: Express 5 parsing the same JSON body, one Redis Lua call
 * (check and count) and the same batched Postgres insert, and nothing else (no auth, no entitlement
 * lookup, no idempotency, no logging). Usage: `usage-ceiling-server.ts <port> <redis-url> <database-url> <customer-id>`.
 */
const [port, redisUrl, databaseUrl, customerId] = process.argv.slice(2);
if (!port || !redisUrl || !databaseUrl || !customerId) throw new Error('usage: usage-ceiling-server.ts <port> <redis-url> <database-url> <customer-id>');
const redis = new Redis(redisUrl, { enableOfflineQueue: true });
const db = createDb({ url: databaseUrl, poolMax: 10 });
const writer = new LedgerWriter(db);
const script = `local used = redis.call('HINCRBY', KEYS[1], 'used', ARGV[1]) if used > tonumber(ARGV[2]) then redis.call('HINCRBY', KEYS[1], 'used', -ARGV[1]) return 0 end return used`;
const key = `usage-ceiling:{cust:${customerId}}`;
const now = new Date();
const app = express();
app.post('/v1/customers/:ref/usage', express.json(), async (req, res) => {
  const { feature, amount, idempotency_key: idempotencyKey } = req.body as { feature: string; amount: number; idempotency_key: string };
  const used = Number(await redis.eval(script, 1, key, amount, Number.MAX_SAFE_INTEGER));
  if (used === 0) return void res.status(402).json({ allowed: false });
  await writer.write({ customer_id: customerId, feature, kind: 'consume', amount, idempotency_key: idempotencyKey || randomUUID(), request_hash: 'x', response: null, occurred_at: now, period_start: now, period_end: null });
  res.json({ allowed: true, used });
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => { redis.disconnect(); void db.destroy().then(() => process.exit(0)); });
