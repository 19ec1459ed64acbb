import { once } from 'node:events';
import test from 'ava';
import nock from 'nock';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { start as startWorker } from '../../workers/main.js';
import { catalogFile } from '../support/catalog.js';
import { childEnv, eventually, startScript } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { finishedRun, ListingStripeState, seedMirror, serveWithGate } from '../support/stripe-lists.js';
import { uid, type Json } from '../support/stripe-state.js';

test('a worker killed mid-run: another worker resumes the run from its stored cursor and finishes it', async (t) => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  // 275 customers with two subscriptions each: 550, six pages.
  const stripe = new ListingStripeState();
  const ids = Array.from({ length: 275 }, () => {
    const id = stripe.customer();
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    stripe.subscription(id, { items: [{ price: 'price_team', product: 'prod_team', quantity: 3 }] });
    return id;
  });
  const [end1, end2, end5] = [stripe.pageBoundary(1), stripe.pageBoundary(2), stripe.pageBoundary(5)];
  // The first worker's request for page 6 never gets an answer: it dies waiting for it.
  const server = await serveWithGate(stripe, new RegExp(`starting_after=${end5}`));
  t.teardown(server.close);
  const services = await startServices(t, { env: { STRIPE_API_BASE: server.url, STRIPE_RATE_LIMIT_PER_SECOND: '1000', JOB_LOCK_MS: '1000', CATALOG_FILE: catalogFile() } });
  const { db } = services.api.context;
  await seedMirror(services.api.context, stripe, ids);
  // Drift on the last page, which only the second worker gets to see.
  const oldest = [...stripe.subscriptions.keys()][0];
  ((stripe.subscriptions.get(oldest)!.items as { data: Json[] }).data[0]).quantity = 4;

  const first = startScript('workers/main.ts', childEnv({ ...services.config, METRICS_PORT: 0, LOG_LEVEL: 'warn' }));
  t.teardown(() => { if (first.child.exitCode === null) first.child.kill('SIGKILL'); });
  t.teardown(() => { if (!t.passed) t.log(first.output()); });
  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  // Pages 1-5 are read and compared; 1-2 are committed (three stay in flight), and page 6 is asked for.
  await eventually(async () => server.waiting() === 1 && (await db('reconciliation_runs').where({ id }).first()).cursor === end2, 60_000);
  const exited = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  await exited;
  t.like(await db('reconciliation_runs').where({ id }).first(), { status: 'running', checked: 200, cursor: end2 });
  server.open();

  const second = await startWorker(services.config, { silentLogs: true, metricsPort: 0 });
  t.teardown(second.stop);
  const run = await finishedRun(db, id, 60_000);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.is(run.error, null);
  t.is(run.checked, 550, 'every subscription counted once');
  t.deepEqual(run.drift, { items_differ: 1 });
  t.is(run.repaired, 1);
  const item = await db('subscription_items').where({ subscription_id: oldest }).first<{ quantity: number }>('quantity');
  t.is(item.quantity, 4);

  const pages = stripe.listCalls.filter((call) => call.startsWith('/v1/subscriptions?') && !call.includes('customer='));
  t.is(pages.filter((call) => !call.includes('starting_after')).length, 1, 'page 1 read once');
  t.is(pages.filter((call) => call.includes(`starting_after=${end1}`)).length, 1, 'page 2 read once');
  t.is(pages.filter((call) => call.includes(`starting_after=${end2}`)).length, 2, 'page 3 read by both workers: the second resumed after page 2');
});
