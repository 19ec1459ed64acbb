import { createHash } from 'node:crypto';
import { keyspace } from '../entitlements/cache-keys.js';
import type { Context } from '../context.js';
import { conflict } from '../errors.js';

/** How long an answer is kept for a retry: as long as Stripe keeps an idempotency key. */
const keepSeconds = 24 * 60 * 60;

interface Kept { body: string; answer: unknown }

/**
 * Runs a plan-change write once per idempotency key: the first answer is kept (24 hours) and a
 * retry with the same key and body gets it again. The Stripe writes already carry keys derived
 * from the same one, but a retry would otherwise decide afresh against what the first request
 * changed: a resumed subscription no longer resumes (`not_canceling`), one canceled now is no
 * longer live. The same key with another body is a 409 `idempotency_conflict`, as when Stripe refuses it. Two requests with
 * one key at the same moment both run; Stripe's own keys make their writes happen once.
 */
export async function answerOnce<T>(context: Pick<Context, 'redis' | 'config'>, idempotencyKey: string, body: unknown, run: () => Promise<T>): Promise<T> {
  const key = `${keyspace(context.config.REDIS_PREFIX)}:plan-answer:${idempotencyKey}`;
  const fingerprint = createHash('sha256').update(JSON.stringify(body ?? null)).digest('base64url');
  const kept = await context.redis.get(key);
  if (kept !== null) {
    const { body: keptBody, answer } = JSON.parse(kept) as Kept;
    if (keptBody !== fingerprint) throw conflict('idempotency_conflict', 'Idempotency-Key: was used before with a different request body', { param: 'Idempotency-Key' });
    return answer as T;
  }
  const answer = await run();
  await context.redis.set(key, JSON.stringify({ body: fingerprint, answer } satisfies Kept), 'EX', keepSeconds, 'NX');
  return answer;
}
