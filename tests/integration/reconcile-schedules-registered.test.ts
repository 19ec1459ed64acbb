import test from 'ava';
import type { Job } from 'bullmq';
import { scheduleReconciliation } from '../../workers/processors/reconcile-schedule.js';
import { mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import { finishedRun, ListingStripeState } from '../support/stripe-lists.js';
import { uid, useStripeState } from '../support/stripe-state.js';

test.serial('a worker start registers the reconciliation and catch-up schedulers once, from configuration, and catches up at once', async (t) => {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const customer = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
  const missed = stripe.event('customer.subscription.created', stripe.subscriptions.get(stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] }))!);
  const services = await startPipeline(t, { RECONCILE_SCHEDULES: 'true', RECONCILE_CRON: '5 4 * * *', CATCH_UP_CRON: '*/7 * * * *', STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  const { db } = services.api.context;
  const worker = services.worker!.context;
  const queue = worker.queues.reconcile;

  // The catch-up queued at start has fed the event nobody delivered through the inbox.
  await eventually(async () => (await db('stripe_events').where({ id: missed.id }).first()) !== undefined);
  await settled(services);
  t.is((await db('stripe_events').where({ id: missed.id }).first()).status, 'processed');
  t.deepEqual((await mirrorOf(services, customer))?.subscriptions.map((sub: { status: string }) => sub.status), ['active']);
  t.truthy(await db('sync_cursors').where({ name: 'events-catch-up' }).first(), 'the catch-up cursor is stored');

  t.like(await queue.getJobScheduler('reconcile'), { name: 'reconcile', pattern: '5 4 * * *' });
  t.like(await queue.getJobScheduler('events-catch-up'), { name: 'catch-up', pattern: '*/7 * * * *' });

  // Another worker starting (or this one restarting, with a changed cron): still one of each, updated.
  await scheduleReconciliation(worker);
  await scheduleReconciliation({ ...worker, config: { ...worker.config, RECONCILE_CRON: '30 2 * * *' } });
  const schedulers = await queue.getJobSchedulers();
  t.deepEqual(schedulers.map((scheduler) => `${scheduler.key} ${scheduler.pattern ?? ''}`).sort(), ['events-catch-up */7 * * * *', 'reconcile 30 2 * * *']);
  const delayed = async (name: string): Promise<Job[]> => (await queue.getDelayed()).filter((job) => job.name === name);
  t.is((await delayed('reconcile')).length, 1, 'one next run scheduled');

  // The scheduled job, due now: it creates its run row and runs it. The run row is what lasts (the
  // job may be finished and removed before anyone looks at it), so the test waits on the row.
  const [next] = await delayed('reconcile');
  await next.promote();
  let runId: string | undefined;
  await eventually(async () => {
    runId = (await db('reconciliation_runs').where({ trigger: 'schedule' }).first<{ id: string } | undefined>('id'))?.id;
    return runId !== undefined;
  });
  const run = await finishedRun(db, runId!);
  t.like(run, { status: 'succeeded', trigger: 'schedule', checked: 1, drifted: 0 });
});
