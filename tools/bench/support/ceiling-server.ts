import express from 'express';
import { Redis } from 'ioredis';

/**
 * The ceiling of the reads benchmark: Express 5 answering the same path with one Redis GET and
 * nothing else (no auth, no logging, no metrics). Usage: `tsx ceiling-server.ts <port> <redis-url> <key>`.
 */
const [port, redisUrl, key] = process.argv.slice(2);
if (!port || !redisUrl || !key) throw new Error('usage: ceiling-server.ts <port> <redis-url> <key>');
const redis = new Redis(redisUrl, { enableOfflineQueue: true });
const app = express();
app.get('/v1/customers/:ref/entitlements', async (_req, res) => {
  const body = await redis.get(key);
  res.type('application/json').send(body);
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => { redis.disconnect(); process.exit(0); });
