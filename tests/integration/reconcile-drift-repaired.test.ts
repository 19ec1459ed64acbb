import test from 'ava';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { featureLines, mirrorOf, startPipeline } from '../support/pipeline.js';
import { finishedRun, ListingStripeState, seedMirror } from '../support/stripe-lists.js';
import { uid, useStripeState, type Json } from '../support/stripe-state.js';

const pro = () => ({ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' });
const team = (quantity: number) => ({ price: 'price_team', product: 'prod_team', quantity });

/** 115 customers with a pro and a team subscription each (230: three pages), all mirrored. */
async function mirroredAccount(t: Parameters<typeof startPipeline>[0]) {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const customers = Array.from({ length: 115 }, () => {
    const id = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
    return { id, pro: stripe.subscription(id, { items: [pro()] }), team: stripe.subscription(id, { items: [team(2)] }) };
  });
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  await seedMirror(services.api.context, stripe, customers.map((customer) => customer.id));
  return { stripe, customers, services };
}

test.serial('drift of every kind is found and repaired through the customer sync, and the run row counts it', async (t) => {
  const { stripe, customers, services } = await mirroredAccount(t);
  const db = services.api.context.db;
  const [statusChanged, itemsChanged, deleted] = customers;
  // missing_locally: a customer and subscription the webhooks never told the mirror about.
  const unseen = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
  stripe.subscription(unseen, { items: [pro()] });
  // status_differs: the pro subscription was canceled.
  stripe.update(statusChanged.pro, { status: 'canceled', ended_at: Math.floor(Date.now() / 1000) });
  // items_differ: seats went from 2 to 9.
  const teamItems = (stripe.subscriptions.get(itemsChanged.team)!.items as { data: Json[] }).data;
  teamItems[0].quantity = 9;
  // only_locally: the customer was deleted at Stripe, and Stripe lists none of its subscriptions.
  stripe.deleteCustomer(deleted.id);
  stripe.subscriptions.delete(deleted.pro);
  stripe.subscriptions.delete(deleted.team);
  t.deepEqual(featureLines(await mirrorOf(services, deleted.id)), ['api_calls=10000', 'basic=true', 'pro=true', 'seats=2', 'team=true']);

  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(db, id);

  t.is(run.status, 'succeeded', run.error ?? '');
  t.is(run.checked, 229);
  t.deepEqual(run.drift, { missing_locally: 1, status_differs: 1, items_differ: 1, only_locally: 2 });
  t.is(run.drifted, 5);
  t.is(run.repaired, 5);
  t.is(run.errors, 0);
  t.truthy(run.cursor);
  t.true((run.duration_ms ?? -1) >= 0);
  t.is(stripe.listCalls.filter((call) => call.startsWith('/v1/subscriptions?') && !call.includes('customer=')).length, 3, 'three pages of 100');

  t.deepEqual(featureLines(await mirrorOf(services, unseen)), ['api_calls=10000', 'basic=true', 'pro=true']);
  t.deepEqual(featureLines(await mirrorOf(services, statusChanged.id)), ['seats=2', 'team=true']);
  t.deepEqual(featureLines(await mirrorOf(services, itemsChanged.id)), ['api_calls=10000', 'basic=true', 'pro=true', 'seats=9', 'team=true']);
  const gone = await mirrorOf(services, deleted.id);
  t.true(gone?.customer.deleted);
  t.deepEqual(gone?.subscriptions.map((sub: { status: string }) => sub.status), ['canceled', 'canceled'], 'kept and marked, never deleted');
  t.deepEqual(featureLines(gone), []);

  const audit = await db('audit_log').where({ reconciliation_run_id: id }).select('actor', 'action');
  t.is(audit.length, 4, 'one entitlement change per repaired customer');
  t.true(audit.every((row: { actor: string }) => row.actor === 'reconciliation'));
  const metrics = services.worker!.context.metrics;
  const drift = (await metrics.reconciliationDrift.get()).values;
  const count = (kind: string, outcome: string) => drift.find((value) => value.labels.kind === kind && value.labels.outcome === outcome)?.value;
  for (const [kind, n] of [['missing_locally', 1], ['status_differs', 1], ['items_differ', 1], ['only_locally', 2]] as const) {
    t.is(count(kind, 'found'), n, `${kind} found`);
    t.is(count(kind, 'repaired'), n, `${kind} repaired`);
  }
  const durations = (await metrics.reconciliationRunDuration.get()).values;
  t.is(durations.find((value) => value.metricName === 'reconciliation_run_duration_seconds_count')?.value, 1);
  t.is(durations.find((value) => value.metricName === 'reconciliation_run_duration_seconds_sum')?.value, (run.duration_ms ?? 0) / 1000);
  const lastSuccess = (await metrics.reconciliationLastSuccess.get()).values[0]?.value ?? 0;
  t.is(lastSuccess, run.finished_at!.getTime() / 1000, 'the gauge holds the finish time of the run');
  t.regex(await metrics.registry.metrics(), /^reconciliation_drift_total\{kind="items_differ",outcome="repaired",[^}]*\} 1$/m, 'exposed to Prometheus');
});

test.serial('a mirror that matches Stripe shows no drift and no repairs', async (t) => {
  const { stripe, services } = await mirroredAccount(t);
  const customerFetches = stripe.syncs();
  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(services.api.context.db, id);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.is(run.checked, 230);
  t.is(run.drifted, 0);
  t.deepEqual(run.drift, {});
  t.deepEqual((await services.worker!.context.metrics.reconciliationDrift.get()).values, [], 'no drift counted');
  t.is(stripe.syncs(), customerFetches, 'no customer synced');
});

test.serial('a subscription Stripe no longer lists stays in the mirror and is reported as not repaired', async (t) => {
  const { stripe, customers, services } = await mirroredAccount(t);
  const [owner] = customers;
  stripe.subscriptions.delete(owner.pro);
  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(services.api.context.db, id);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.deepEqual(run.drift, { only_locally: 1 });
  t.is(run.drifted, 1);
  t.is(run.repaired, 0, "the customer's sync cannot see a subscription Stripe does not return");
  const row = await services.api.context.db('subscriptions').where({ id: owner.pro }).first();
  t.is(row?.status, 'active', 'never deleted or changed on a guess');
});

test.serial('refunds and disputes the webhooks never told are found from Stripe\'s lists and repaired; settled ones are not drift', async (t) => {
  const { stripe, customers, services } = await mirroredAccount(t);
  const [lost, refunded, won, partial, oldDispute] = customers;
  // dispute_differs: a dispute lost on the charge paying pro's latest invoice (the mirror saw no dispute).
  stripe.disputeStatus(stripe.dispute(stripe.latestCharge(lost.pro)!), 'lost');
  // refund_differs: pro's paying charge fully refunded.
  stripe.refund(stripe.latestCharge(refunded.pro)!);
  // dispute_differs, with no change of access: a dispute already won.
  stripe.disputeStatus(stripe.dispute(stripe.latestCharge(won.team)!), 'won');
  // Not drift: a partial refund (the mirror rightly says "not refunded").
  stripe.refund(stripe.latestCharge(partial.pro)!, { amount: 100 });
  // Not drift: a dispute on a charge that no longer pays the latest invoice (a renewal was paid since, and mirrored).
  const oldCharge = stripe.latestCharge(oldDispute.pro)!;
  stripe.invoice(oldDispute.pro, 'paid');
  await seedMirror(services.api.context, stripe, [oldDispute.id]);
  stripe.disputeStatus(stripe.dispute(oldCharge), 'lost');

  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(services.api.context.db, id);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.deepEqual(run.drift, { dispute_differs: 2, refund_differs: 1 });
  t.is(run.repaired, 3);
  t.true(stripe.listCalls.some((call) => call.startsWith('/v1/disputes?')), 'disputes listed account-wide');
  t.true(stripe.listCalls.some((call) => call.startsWith('/v1/refunds?') && call.includes('data.charge')), 'refunds listed with their charges');
  t.deepEqual(featureLines(await mirrorOf(services, lost.id)), ['seats=2', 'team=true'], 'the lost dispute ended pro');
  t.deepEqual(featureLines(await mirrorOf(services, refunded.id)), ['seats=2', 'team=true'], 'the refund ended pro');
  t.deepEqual(featureLines(await mirrorOf(services, won.id)), ['api_calls=10000', 'basic=true', 'pro=true', 'seats=2', 'team=true']);
  const wonRow = await services.api.context.db('subscriptions').where({ id: won.team }).first('latest_invoice_dispute_status');
  t.is(wonRow?.latest_invoice_dispute_status, 'won');

  const again = await finishedRun(services.api.context.db, (await requestReconciliation(services.api.context, { trigger: 'test' })).id);
  t.deepEqual(again.drift, {}, 'repaired drift is not found again');
});

test.serial('a run for one customer does not list the account\'s refunds and disputes', async (t) => {
  const { stripe, customers, services } = await mirroredAccount(t);
  const { id } = await requestReconciliation(services.api.context, { trigger: 'test', params: { customer: customers[0].id } });
  const run = await finishedRun(services.api.context.db, id);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.false(stripe.listCalls.some((call) => call.startsWith('/v1/disputes') || call.startsWith('/v1/refunds')));
});
