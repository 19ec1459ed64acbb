import test from 'ava';
import fc from 'fast-check';
import { backoffDelayMs, decideJobFailure, retryAfterMs, stripeRetryWaitMs, stripeStatusIsTransient, type JobRetryPolicy } from '../../shared/retry-policy.js';

const backoff = { baseMs: 1000, maxMs: 300_000 };

test('backoff doubles from the base, draws from the upper half, and never passes the cap or falls below the base', (t) => {
  t.is(backoffDelayMs(1, backoff, () => 1), 1000);
  t.is(backoffDelayMs(2, backoff, () => 1), 2000);
  t.is(backoffDelayMs(4, backoff, () => 1), 8000);
  t.is(backoffDelayMs(4, backoff, () => 0), 4000);
  t.is(backoffDelayMs(30, backoff, () => 1), 300_000);
  t.is(backoffDelayMs(1, backoff, () => 0), 1000, 'never below the base');
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, random) => {
    const delay = backoffDelayMs(retry, backoff, () => random);
    return delay >= backoff.baseMs && delay <= backoff.maxMs;
  }));
});

test('Retry-After is read as seconds or as an HTTP date; anything else is ignored', (t) => {
  t.is(retryAfterMs('1'), 1000);
  t.is(retryAfterMs('0.5'), 500);
  t.is(retryAfterMs(['3']), 3000);
  t.is(retryAfterMs(new Date(10_000 + 4000).toUTCString(), 10_000), 4000);
  t.is(retryAfterMs(undefined), undefined);
  t.is(retryAfterMs(''), undefined);
  t.is(retryAfterMs('-2'), undefined);
  t.is(retryAfterMs('soon'), undefined);
});

test('a Stripe answer is transient for 409, 429 and 5xx unless Stripe-Should-Retry says otherwise', (t) => {
  for (const status of [409, 429, 500, 502, 503]) t.true(stripeStatusIsTransient(status, {}), String(status));
  for (const status of [400, 401, 402, 403, 404]) t.false(stripeStatusIsTransient(status, {}), String(status));
  t.false(stripeStatusIsTransient(500, { 'stripe-should-retry': 'false' }));
  t.true(stripeStatusIsTransient(400, { 'stripe-should-retry': 'true' }));
});

test('a Stripe retry waits what Retry-After asks when this layer may wait that long, and gives up to the job otherwise', (t) => {
  const call = { baseMs: 500, maxMs: 5000 };
  t.is(stripeRetryWaitMs(1, call, { 'retry-after': '2' }), 2000);
  t.is(stripeRetryWaitMs(1, call, { 'retry-after': '0' }), 250, 'a zero wait still spaces attempts');
  t.is(stripeRetryWaitMs(1, call, { 'retry-after': '60' }), undefined);
  t.is(stripeRetryWaitMs(2, call, {}, () => 1), 1000);
});

const policy: JobRetryPolicy = { attempts: 8, backoff, horizonMs: 72 * 3_600_000 };
const created = 1_000_000;

test('a job retries with backoff while attempts remain, then at the cap until the horizon, then is dead', (t) => {
  t.like(decideJobFailure({ transient: true, attemptsMade: 3, createdAt: created, now: created + 10_000 }, policy, () => 1), { kind: 'retry', beyondAttempts: false, delayMs: 4000 });
  t.like(decideJobFailure({ transient: true, attemptsMade: 8, createdAt: created, now: created + 3_600_000 }, policy, () => 1), { kind: 'retry', beyondAttempts: true, delayMs: 128_000 });
  t.like(decideJobFailure({ transient: true, attemptsMade: 20, createdAt: created, now: created + 3_600_000 }, policy, () => 1), { kind: 'retry', beyondAttempts: true, delayMs: 300_000 });
  t.deepEqual(decideJobFailure({ transient: true, attemptsMade: 20, createdAt: created, now: created + policy.horizonMs - 1000 }, policy, () => 1), { kind: 'dead' }, 'the next try would fall past the horizon');
  t.deepEqual(decideJobFailure({ transient: false, attemptsMade: 1, createdAt: created, now: created }, policy), { kind: 'dead' });
});

test('an outage of an hour is retried through, whatever the attempts setting', (t) => {
  t.notThrows(() => fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 500 }), (attempts, made) => {
    const decision = decideJobFailure({ transient: true, attemptsMade: made, createdAt: created, now: created + 3_600_000 }, { ...policy, attempts });
    return decision.kind === 'retry';
  })));
});
