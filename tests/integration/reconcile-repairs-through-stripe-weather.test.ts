import test from 'ava';
import { featureLines, mirrorOf, startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import { finishedRun } from '../support/stripe-lists.js';
import { uid, useStripeState } from '../support/stripe-state.js';
import { WeatheredStripeState } from '../support/stripe-weather.js';
import { adminKey, call } from './admin-fixtures.js';

// Serial: the account-wide list names no customer, so only one fake Stripe may be registered at a time.

/**
 * Every webhook of 60 customers was lost, and a reconciliation started from the admin API runs
 * while Stripe answers 8 % of calls 429 (`Retry-After: 1`) and 4 % 500. The run must repair every
 * customer, however many tries each takes, and say `succeeded` only then.
 */
test.serial('a reconciliation under Stripe 429s and 500s repairs every drifted customer before it says succeeded', async (t) => {
  const stripe = new WeatheredStripeState({ rateLimited: 0.08, serverErrors: 0.04, retryAfterSeconds: 1, seed: 16 });
  t.teardown(useStripeState(stripe));
  const customers = Array.from({ length: 60 }, () => {
    const id = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    return id;
  });
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  const { db } = services.api.context;
  const admin = await adminKey(db);

  const started = await call<{ id: string }>(services.url, '/admin/reconciliations', { method: 'POST', key: admin.key, body: {} });
  t.is(started.status, 202);
  const run = await finishedRun(db, started.body.id, 90_000);
  const shown = await call<Record<string, unknown>>(services.url, `/admin/reconciliations/${started.body.id}`, { key: admin.key });

  t.true(stripe.faults.rateLimited > 0 && stripe.faults.serverErrors > 0, `the weather happened: ${JSON.stringify(stripe.faults)}`);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.like(shown.body, { status: 'succeeded', checked: 60, drifted: 60, repaired: 60, errors: 0, unrepaired: {} });
  for (const customer of customers) t.deepEqual(featureLines(await mirrorOf(services, customer)), ['api_calls=10000', 'basic=true', 'pro=true'], customer);
});

test.serial('a reconciliation whose repairs keep failing says so while it retries, and finishes once Stripe is back', async (t) => {
  const stripe = new WeatheredStripeState({ rateLimited: 0, serverErrors: 0 });
  t.teardown(useStripeState(stripe));
  const customers = Array.from({ length: 3 }, () => {
    const id = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    return id;
  });
  // The account-wide list answers; every customer's own sync meets an outage.
  const listed = stripe.answer.bind(stripe);
  let customerCallsFailing = true;
  stripe.answer = (method, url) => (customerCallsFailing && url.includes('customer=') ? [503, { error: { type: 'api_error', message: 'down' } }] : listed(method, url));
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  const { db } = services.api.context;
  const admin = await adminKey(db);

  const started = await call<{ id: string }>(services.url, '/admin/reconciliations', { method: 'POST', key: admin.key, body: {} });
  const waiting = async () => (await call<{ status: string; unrepaired: Record<string, number> }>(services.url, `/admin/reconciliations/${started.body.id}`, { key: admin.key })).body;
  await eventually(async () => Object.keys((await waiting()).unrepaired).length === 3, 30_000);
  const meanwhile = await waiting();
  t.is(meanwhile.status, 'running', 'not succeeded while drift is unrepaired');
  t.deepEqual(Object.keys(meanwhile.unrepaired).sort(), [...customers].sort());

  customerCallsFailing = false;
  const run = await finishedRun(db, started.body.id, 60_000);
  t.like(run, { status: 'succeeded', drifted: 3, repaired: 3, errors: 0, unrepaired: {} });
  for (const customer of customers) t.deepEqual(featureLines(await mirrorOf(services, customer)), ['api_calls=10000', 'basic=true', 'pro=true']);
});
