import test from 'ava';
import { readLogAfter } from '../../shared/notify/change-log.js';
import type { SubscriptionTrialWillEnd } from '../../shared/notify/trial-event.js';
import { settled, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';
import { webhookReceiver } from '../support/webhook-receiver.js';
import { adminKey, call } from './admin-fixtures.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const proItem = () => ({ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' });

async function setup(t: Parameters<typeof startPipeline>[0]) {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const receiver = await webhookReceiver();
  t.teardown(receiver.close);
  const services = await startPipeline(t, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_BACKOFF_MS: '20' });
  const { key } = await adminKey(services.api.context.db);
  const endpoint = await call<{ id: string }>(services.url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: receiver.url, events: ['subscription.trial_will_end'] } });
  t.is(endpoint.status, 201, 'an endpoint may subscribe to trial notices alone');
  return { stripe, receiver, services };
}

test('trial_will_end reaches apps as its own change type, on the change log and by outbound webhook, naming the end behaviour', async (t) => {
  const { stripe, receiver, services } = await setup(t);
  const { db, config, redis } = services.api.context;
  const customer = stripe.customer(uid('cus'), { invoice_settings: { default_payment_method: null } });
  await db('customers').insert({ stripe_customer_id: customer, user_id: 'user_trial' });
  const subscription = stripe.subscription(customer, { status: 'trialing', latestInvoice: null, items: [proItem()] });
  const trialEnd = nowSeconds() + 3 * 86_400;
  stripe.update(subscription, { trial_end: trialEnd, trial_settings: { end_behavior: { missing_payment_method: 'pause' } }, default_payment_method: null });
  const event = makeEvent('customer.subscription.trial_will_end', { ...stripe.subscriptions.get(subscription)! });

  t.deepEqual((await Promise.all([deliver(services.url, event), deliver(services.url, event)])).map((r) => r.status), [200, 200]);
  await settled(services);

  const delivered = JSON.parse((await receiver.next()).body) as SubscriptionTrialWillEnd;
  const local = await db('customers').where({ stripe_customer_id: customer }).first<{ id: string }>('id');
  t.deepEqual(delivered.data, {
    customer: { id: local.id, stripe_customer_id: customer, user_id: 'user_trial' },
    subscription,
    trial_end: new Date(trialEnd * 1000).toISOString(),
    has_payment_method: false,
    missing_payment_method: 'pause',
    cause: { type: 'event', id: event.id as string },
  });
  t.is(delivered.type, 'subscription.trial_will_end');
  t.is(delivered.id, `evt_trial_${subscription}_${trialEnd}`);
  const logged = (await readLogAfter(redis, config.REDIS_PREFIX, '0-0', 100)).filter((entry) => entry.event.type === 'subscription.trial_will_end');
  t.deepEqual(logged.map((entry) => entry.event.id), [delivered.id], 'one entry on the change log for the stream');
  t.regex(logged[0]?.frame ?? '', /^id: \d+-\d+\nevent: subscription\.trial_will_end\n/);
  t.is(await db('webhook_deliveries').where({ event_id: delivered.id }).count<{ n: string }[]>({ n: '*' }).then((rows) => Number(rows[0]?.n)), 1, 'the redelivered Stripe event is one notice');
});

test('a card on the customer counts as a payment method; a customer the mirror does not know is named by Stripe id and the checkout\'s user id', async (t) => {
  const { stripe, receiver, services } = await setup(t);
  const customer = stripe.customer(uid('cus'), { invoice_settings: { default_payment_method: 'pm_card_visa' } });
  const subscription = stripe.subscription(customer, { status: 'trialing', latestInvoice: null, items: [proItem()] });
  const trialEnd = nowSeconds() + 3 * 86_400;
  stripe.update(subscription, { trial_end: trialEnd, metadata: { user_id: 'user_new' }, default_payment_method: null });

  t.is((await deliver(services.url, makeEvent('customer.subscription.trial_will_end', { ...stripe.subscriptions.get(subscription)! }))).status, 200);
  await settled(services);
  const delivered = JSON.parse((await receiver.next()).body) as SubscriptionTrialWillEnd;
  t.like(delivered.data, { has_payment_method: true, missing_payment_method: 'create_invoice', subscription });
  t.is(delivered.data.customer.stripe_customer_id, customer);
  t.is(delivered.data.customer.user_id, 'user_new');
});
