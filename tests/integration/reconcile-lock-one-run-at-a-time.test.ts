import test from 'ava';
import nock from 'nock';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
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
