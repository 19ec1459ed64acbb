import { randomBytes } from 'node:crypto';
import test from 'ava';
import { closeRedis, createRedis } from '../../shared/infra/redis.js';
import { createStripeRateLimiter } from '../../shared/infra/stripe-rate-limit.js';
import { testEnvironment } from '../support/environment.js';

/**
 * A clock whose seconds change only between macrotasks (a timer steps it): a grant and the line
 * right after `await limiter()` run in one macrotask, so they always see the same second, however
 * loaded the machine. The limiter reads `Date.now()`; its sleeps stay real.
 */
const realNow = Date.now;
let steps: NodeJS.Timeout | undefined;
test.before(() => {
  let now = Math.floor(realNow() / 1000) * 1000;
  Date.now = () => now;
  steps = setInterval(() => { now += 1000; }, 1000);
});
test.after.always(() => {
  clearInterval(steps);
  Date.now = realNow;
});

/** Three limiters on one prefix stand for three worker processes sharing one Stripe account. */
async function spend(t: { teardown: (fn: () => Promise<void>) => void }, perSecond: number, batch: number | undefined, calls: number) {
  const redis = createRedis(testEnvironment.redisUrl, 'worker', 'test-rate-limit');
  t.teardown(() => closeRedis(redis));
  let roundTrips = 0;
  const evaluate = redis.eval.bind(redis);
  redis.eval = ((...args: Parameters<typeof redis.eval>) => { roundTrips += 1; return evaluate(...args); }) as typeof redis.eval;
  const prefix = `{test-rate-${randomBytes(4).toString('hex')}}`;
  const limiters = Array.from({ length: 3 }, () => createStripeRateLimiter(redis, prefix, perSecond, batch));
  const startedAt: number[] = [];
  await Promise.all(Array.from({ length: calls }, async (_, index) => {
    const limiter = limiters[index % limiters.length];
    if (!limiter) throw new Error('no limiter');
    await limiter();
    startedAt.push(Date.now());
  }));
  const perWindow = new Map<number, number>();
  for (const at of startedAt) perWindow.set(Math.floor(at / 1000), (perWindow.get(Math.floor(at / 1000)) ?? 0) + 1);
  return { perWindow: [...perWindow.values()], roundTrips };
}

test('processes reserving in batches never start more calls in a second than the limit, and ask Redis once per batch', async (t) => {
  const { perWindow, roundTrips } = await spend(t, 12, 4, 40);
  t.is(perWindow.reduce((sum, count) => sum + count, 0), 40);
  t.true(perWindow.every((count) => count <= 12), `calls per second: ${perWindow.join(', ')}`);
  t.true(perWindow.length >= 4, `40 calls at 12 per second need at least 4 seconds, took ${perWindow.length}`);
  t.true(roundTrips < 40, `${roundTrips} Redis round trips for 40 calls`);
});

test('with batches of one, every call is its own reservation and the limit holds', async (t) => {
  const { perWindow, roundTrips } = await spend(t, 10, undefined, 25);
  t.true(perWindow.every((count) => count <= 10), `calls per second: ${perWindow.join(', ')}`);
  t.true(perWindow.length >= 3, `25 calls at 10 per second need at least 3 seconds, took ${perWindow.length}`);
  t.true(roundTrips >= 25);
});
