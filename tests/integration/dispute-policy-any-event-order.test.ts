import test from 'ava';
import type { DisputePolicy } from '../../shared/domain/index.js';
import { mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState, type Json } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

/**
 * DISPUTE_POLICY decides what a dispute on the charge paying the latest invoice does to access.
 * A dispute's life is three events (created → updated → closed); Stripe may deliver them in any
 * order and more than once, and the service acts on the dispute as Stripe has it when the worker
 * fetches. So for each policy and each final dispute status, every order converges to one answer.
 */

const pro = { api_calls: 10000, basic: true, pro: true };
type FinalStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

/** What each policy grants once the dispute reached `status` (true: the pro features, false: nothing). */
const expectedAccess: Record<DisputePolicy, Record<FinalStatus, boolean>> = {
  revoke_on_open: { needs_response: false, under_review: false, won: true, lost: false },
  revoke_on_lost: { needs_response: true, under_review: true, won: true, lost: false },
  ignore: { needs_response: true, under_review: true, won: true, lost: true },
};

const orders: Record<string, (events: Json[]) => Json[]> = {
  'in order': (events) => events,
  reversed: (events) => [...events].reverse(),
  'closed first, then the rest twice': (events) => [events.at(-1)!, ...events, ...events.slice(0, -1)],
};

/** One customer with an active pro subscription whose paying charge is disputed, and the dispute's events up to `status`. */
function disputedCustomer(stripe: StripeState, status: FinalStatus) {
  const customer = stripe.customer(uid('cus'));
  const subscription = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  const dispute = stripe.dispute(stripe.latestCharge(subscription)!);
  const snapshot = (step: string) => ({ ...stripe.disputes.get(dispute)!, status: step });
  const events = [makeEvent('charge.dispute.created', snapshot('needs_response'), { created: 1_700_000_000 })];
  if (status !== 'needs_response') events.push(makeEvent('charge.dispute.updated', snapshot('under_review'), { created: 1_700_000_100 }));
  if (status === 'won' || status === 'lost') events.push(makeEvent('charge.dispute.closed', snapshot(status), { created: 1_700_000_200 }));
  stripe.disputeStatus(dispute, status);
  return { customer, subscription, dispute, events };
}

const featuresOf = (mirror: Awaited<ReturnType<typeof mirrorOf>>) =>
  Object.fromEntries(((mirror?.features ?? []) as { feature: string; value: unknown }[]).map(({ feature, value }) => [feature, value]));

for (const policy of Object.keys(expectedAccess) as DisputePolicy[]) {
  test.serial(`DISPUTE_POLICY=${policy}: every final dispute status, delivered in every order and twice, gives the policy's access`, async (t) => {
    const stripe = new StripeState();
    t.teardown(useStripeState(stripe));
    const services = await startPipeline(t, { DISPUTE_POLICY: policy, STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
    const cases = (Object.keys(expectedAccess[policy]) as FinalStatus[]).flatMap((status) =>
      Object.entries(orders).map(([order, arrange]) => ({ status, order, ...disputedCustomer(stripe, status), arrange })));
    // The subscription is known before the dispute (its customer synced once), as in life.
    await Promise.all(cases.map(async ({ customer, subscription }) =>
      t.is((await deliver(services.url, makeEvent('customer.subscription.created', { ...stripe.subscriptions.get(subscription)!, customer }))).status, 200)));
    await settled(services);
    await Promise.all(cases.map(async ({ events, arrange }) => {
      for (const event of arrange(events)) t.is((await deliver(services.url, event)).status, 200);
    }));
    await settled(services);
    for (const { status, order, customer, subscription } of cases) {
      const mirror = await mirrorOf(services, customer);
      const row = await services.api.context.db('subscriptions').where({ id: subscription }).first('latest_invoice_dispute_status');
      t.is(row?.latest_invoice_dispute_status, status, `${status}, ${order}: the mirror holds Stripe's dispute status`);
      t.deepEqual(featuresOf(mirror), expectedAccess[policy][status] ? pro : {}, `${policy}, dispute ${status}, delivered ${order}`);
    }
  });
}

test.serial('a lost dispute stops counting once a later invoice is paid; a refund and a dispute together still deny', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const services = await startPipeline(t, { DISPUTE_POLICY: 'revoke_on_lost', STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  const { customer, subscription, events } = disputedCustomer(stripe, 'lost');
  for (const event of events) t.is((await deliver(services.url, event)).status, 200);
  await settled(services);
  t.deepEqual(featuresOf(await mirrorOf(services, customer)), {}, 'lost: no access');
  const renewal = stripe.invoice(subscription, 'paid');
  t.is((await deliver(services.url, makeEvent('invoice.paid', { ...stripe.invoices.get(renewal)! }))).status, 200);
  await settled(services);
  t.deepEqual(featuresOf(await mirrorOf(services, customer)), pro, 'the renewal was paid by another charge: access again');

  const other = disputedCustomer(stripe, 'won');
  stripe.refund(stripe.latestCharge(other.subscription)!);
  for (const event of other.events) t.is((await deliver(services.url, event)).status, 200);
  await settled(services);
  t.deepEqual(featuresOf(await mirrorOf(services, other.customer)), {}, 'a won dispute does not undo a full refund');
});
