import test from 'ava';
import { start as startApi } from '../../api/main.js';
import { start as startWorker } from '../../workers/main.js';
import { catalogFile } from '../support/catalog.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/processes.js';
import { serveStripeState } from '../support/stripe-server.js';
import { StripeState, uid } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

test('a worker stopped while a job outlasts the shutdown budget releases it to waiting, and another worker finishes it once', async (t) => {
  const stripe = new StripeState();
  const customer = stripe.customer();
  const subscription = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  const event = makeEvent('customer.subscription.created', stripe.subscriptions.get(subscription)!);
  const stripeServer = await serveStripeState(stripe);
  t.teardown(stripeServer.close);
  const database = await createTestDatabase();
  t.teardown(database.drop);
  // A long lock: a job left behind would stay active (stalled) for a minute, not be retried at once.
  const config = testConfig(database.url, { STRIPE_API_BASE: stripeServer.url, CATALOG_FILE: catalogFile(), SHUTDOWN_TIMEOUT_MS: '2000', JOB_LOCK_MS: '60000' });
  const api = await startApi(config, { silentLogs: true });
  t.teardown(api.stop);

  // The customer's sync waits on Stripe's answer for as long as the test holds it.
  const held = stripeServer.hold(new RegExp(`^/v1/subscriptions\\?.*customer=${customer}`));
  const first = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.is((await deliver(`http://127.0.0.1:${api.port}`, event)).status, 200);
  await eventually(() => Promise.resolve(held.waiting() > 0), 30_000);

  await first.stop();
  const sync = api.context.queues.sync;
  t.deepEqual(await sync.getJobCounts('active', 'wait', 'completed', 'failed'), { active: 0, wait: 1, completed: 0, failed: 0 }, 'released, not left active');

  held.release();
  const second = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.teardown(second.stop);
  await eventually(async () => (await api.context.db('stripe_events').where({ id: event.id }).first())?.status === 'processed', 30_000);
  const row = await api.context.db('stripe_events').where({ id: event.id }).first();
  t.is(row.attempts, 1, 'the event was handled once');
  t.is((await api.context.db('audit_log').whereNotNull('customer_id').count<{ n: number }[]>({ n: '*' }))[0]?.n, 1, 'one audit entry for the change');
});
