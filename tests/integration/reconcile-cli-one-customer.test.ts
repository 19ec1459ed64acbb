import test from 'ava';
import { startPipeline } from '../support/pipeline.js';
import { childEnv, runScript } from '../support/processes.js';
import { ListingStripeState, seedMirror } from '../support/stripe-lists.js';
import { uid, useStripeState, type Json } from '../support/stripe-state.js';

test.serial('reconcile --customer USER_ID repairs that customer only, printing progress until the run ends', async (t) => {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const userId = uid('user');
  const target = stripe.customer(uid('cus'), { metadata: { user_id: userId } });
  const other = stripe.customer();
  const team = stripe.subscription(target, { items: [{ price: 'price_team', product: 'prod_team', quantity: 2 }] });
  const otherSub = stripe.subscription(other, { items: [{ price: 'price_team', product: 'prod_team', quantity: 2 }] });
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  await seedMirror(services.api.context, stripe, [target, other]);
  for (const id of [team, otherSub]) ((stripe.subscriptions.get(id)!.items as { data: Json[] }).data[0]).quantity = 5;

  const result = await runScript('tools/cli/main.ts', ['reconcile', '--customer', userId], childEnv({ ...services.config }));
  t.is(result.code, 0, result.stderr + result.stdout);
  t.regex(result.stdout, /reconciliation run [0-9a-f-]{36} queued/);
  t.regex(result.stdout, /checked 1 of ~1 \(total estimated from the mirror\)/);
  t.regex(result.stdout, /succeeded in [\d.]+s: checked 1, drifted 1 \(items_differ 1\), repaired 1, errors 0$/m);
  const run = await services.api.context.db('reconciliation_runs').first();
  t.deepEqual(run.params, { customer: target });
  t.is(run.trigger, 'cli');
  t.true(stripe.listCalls.every((call) => !call.startsWith('/v1/subscriptions?') || call.includes(`customer=${target}`)), 'only that customer was listed');
  const seats = async (id: string): Promise<number> => (await services.api.context.db('subscription_items').where({ subscription_id: id }).first<{ quantity: number }>('quantity')).quantity;
  t.is(await seats(team), 5);
  t.is(await seats(otherSub), 2, 'other customers untouched');
});

test.serial('reconcile with an unknown user id or a bad date is a usage error', async (t) => {
  const services = await startPipeline(t);
  const env = childEnv({ ...services.config });
  const unknown = await runScript('tools/cli/main.ts', ['reconcile', '--customer', 'user_nobody'], env);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no customer with user id user_nobody/);
  const badDate = await runScript('tools/cli/main.ts', ['reconcile', '--since', 'yesterday-ish'], env);
  t.is(badDate.code, 2);
  t.regex(badDate.stderr, /since must be a date/);
  t.is((await services.api.context.db('reconciliation_runs').count({ n: '*' }).first())!.n, 0, 'no run created');
});
