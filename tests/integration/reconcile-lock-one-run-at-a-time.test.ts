import test from 'ava';
import nock from 'nock';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { reconcileKeys } from '../../workers/reconcile/keys.js';
import { acquireLock } from '../../workers/reconcile/redis-lock.js';
import { startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { finishedRun, ListingStripeState, seedMirror, serveWithGate } from '../support/stripe-lists.js';
import { uid } from '../support/stripe-state.js';

test('two runs triggered at once: one runs, the other ends failed naming the run that holds the lock', async (t) => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const stripe = new ListingStripeState();
  const ids = Array.from({ length: 30 }, () => {
    const id = stripe.customer();
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    return id;
  });
  // The winner's first page waits at this gate, so both runs are certainly in flight together.
  const server = await serveWithGate(stripe, /^\/v1\/subscriptions\?(?!.*customer=)/);
  t.teardown(server.close);
  const services = await startPipeline(t, { STRIPE_API_BASE: server.url, STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  await seedMirror(services.api.context, stripe, ids);
  const db = services.api.context.db;

  const [a, b] = await Promise.all([
    requestReconciliation(services.api.context, { trigger: 'test-a' }),
    requestReconciliation(services.api.context, { trigger: 'test-b' }),
  ]);
  await eventually(() => Promise.resolve(server.waiting() === 1));
  const statuses = () => db('reconciliation_runs').whereIn('id', [a.id, b.id]).select<{ id: string; status: string; error: string | null }[]>('id', 'status', 'error');
  await eventually(async () => (await statuses()).some((run) => run.status === 'failed'));
  const loser = (await statuses()).find((run) => run.status === 'failed')!;
  const winner = loser.id === a.id ? b : a;
  t.is((await db('reconciliation_runs').where({ id: winner.id }).first()).status, 'running');
  t.regex(loser.error ?? '', new RegExp(`skipped: reconciliation run ${winner.id} holds the lock`));

  server.open();
  const done = await finishedRun(db, winner.id);
  t.is(done.status, 'succeeded', done.error ?? '');
  t.is(done.checked, 30);
  t.is(stripe.listCalls.filter((call) => call.startsWith('/v1/subscriptions?')).length, 1, 'the loser never listed anything');

  // The lock is free again: the next run goes ahead.
  const next = await requestReconciliation(services.api.context, { trigger: 'test-c' });
  t.is((await finishedRun(db, next.id)).status, 'succeeded');
});

test('a later attempt of the same run takes the lock over at once; the earlier holder learns it at its next heartbeat', async (t) => {
  const { api } = await startServices(t);
  const { redis, config } = api.context;
  const key = reconcileKeys.lock(config.REDIS_PREFIX);
  const stalled = await acquireLock(redis, key, 'run-1/attempt-1', { ttlMs: 5000, takeOverFrom: 'run-1/' });
  t.true(stalled.acquired);
  const otherRun = await acquireLock(redis, key, 'run-2/attempt-1', { ttlMs: 5000, takeOverFrom: 'run-2/' });
  t.deepEqual(otherRun, { acquired: false, holder: 'run-1/attempt-1' }, 'another run waits its turn');
  const resumed = await acquireLock(redis, key, 'run-1/attempt-2', { ttlMs: 5000, takeOverFrom: 'run-1/' });
  t.true(resumed.acquired);
  t.is(await redis.get(key), 'run-1/attempt-2');
  if (!stalled.acquired || !resumed.acquired) return;
  await eventually(() => Promise.resolve(stalled.lock.lost()), 15_000);
  await stalled.lock.release();
  t.is(await redis.get(key), 'run-1/attempt-2', "the earlier holder's release leaves the new holder's lock alone");
  t.false(resumed.lock.lost());
  await resumed.lock.release();
  t.is(await redis.get(key), null);
});
