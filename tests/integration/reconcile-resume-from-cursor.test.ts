import test from 'ava';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import { finishedRun, ListingStripeState, seedMirror } from '../support/stripe-lists.js';
import { uid, useStripeState } from '../support/stripe-state.js';

/** 175 mirrored customers with two subscriptions each: 350 subscriptions, four pages. */
async function mirroredAccount(t: Parameters<typeof startPipeline>[0]) {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const ids = Array.from({ length: 175 }, () => {
    const id = stripe.customer();
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    stripe.subscription(id, { items: [{ price: 'price_team', product: 'prod_team', quantity: 3 }] });
    return id;
  });
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  await seedMirror(services.api.context, stripe, ids);
  return { stripe, services };
}

const pageRequests = (stripe: ListingStripeState) => stripe.listCalls.filter((call) => call.startsWith('/v1/subscriptions?') && !call.includes('customer='));
const after = (id: string) => `starting_after=${id}`;

test.serial('a run whose third page fails retries from the stored cursor without re-reading pages 1-2', async (t) => {
  const { stripe, services } = await mirroredAccount(t);
  const [end1, end2, end3] = [stripe.pageBoundary(1), stripe.pageBoundary(2), stripe.pageBoundary(3)];
  stripe.failNext((url) => url.pathname === '/v1/subscriptions' && url.searchParams.get('starting_after') === end2, 500);

  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(services.api.context.db, id);

  t.is(run.status, 'succeeded', run.error ?? '');
  t.is(run.checked, 350, 'pages 1-2 counted once');
  t.is(run.drifted, 0);
  const pages = pageRequests(stripe);
  t.is(pages.filter((call) => !call.includes('starting_after')).length, 1, 'page 1 read once');
  t.is(pages.filter((call) => call.includes(after(end1))).length, 1, 'page 2 read once');
  t.deepEqual(pages.filter((call) => call.includes(after(end2))).map((call) => call.endsWith('-> 500')), [true, false], 'page 3 failed, then read again');
  t.is(pages.filter((call) => call.includes(after(end3))).length, 1);
});

test.serial('a run that failed for good keeps its cursor, and re-running its job resumes and completes it', async (t) => {
  const { stripe, services } = await mirroredAccount(t);
  const end2 = stripe.pageBoundary(2);
  stripe.failNext((url) => url.pathname === '/v1/subscriptions' && url.searchParams.get('starting_after') === end2, 400);
  const db = services.api.context.db;

  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const failed = await finishedRun(db, id);
  t.is(failed.status, 'failed');
  t.is(failed.cursor, end2, 'the cursor is the last subscription of the last finished page');
  t.is(failed.checked, 200);
  t.truthy(failed.error);

  // What "retry" in Bull Board does: the same job, hence the same run id, runs again.
  const job = await services.api.context.queues.reconcile.getJob(`reconcile-${id}`);
  t.truthy(job);
  await eventually(async () => (await job!.getState()) === 'failed');
  await job!.retry('failed');
  await eventually(async () => (await db('reconciliation_runs').where({ id }).first()).status === 'succeeded', 30_000);
  const run = await finishedRun(db, id);
  t.is(run.checked, 350);
  t.is(run.error, null);
  const pages = pageRequests(stripe);
  t.is(pages.filter((call) => !call.includes('starting_after')).length, 1, 'page 1 never read again');
  t.is(pages.filter((call) => call.includes(after(end2))).length, 2);
});
