import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import Stripe from 'stripe';
import { createSimulator } from '../../tools/stripe-sim/server.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));

async function simulator(t: ExecutionContext) {
  const sim = await createSimulator({ seed });
  t.teardown(() => sim.close());
  return { sim, stripe: new Stripe('sk_test_pages', sim.stripeConfig) };
}

const post = (url: string, fields: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

const newSession = (stripe: Stripe, user: string) => stripe.checkout.sessions.create({
  mode: 'subscription', line_items: [{ price: 'price_pro_monthly', quantity: 1 }], client_reference_id: user,
  success_url: 'https://app.example.test/thanks?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://app.example.test/pricing',
});

test("the checkout page pays like the control API: a declined card keeps the session open, a good one completes it with the same events", async (t) => {
  const { sim, stripe } = await simulator(t);
  const session = await newSession(stripe, 'user_page');
  const page = await fetch(session.url!);
  t.is(page.status, 200);
  t.notRegex(page.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  const body = await page.text();
  t.regex(body, /Pro — 29\.00 USD \/ month \(pro_monthly\)/);
  t.regex(body, /<form class="stack" method="post" action="\/checkout\/cs_\w+\/pay">/);
  t.notRegex(body, /<script/);

  const declined = await post(`${session.url!}/pay`, { card: '4000 0000 0000 0002', email: 'page@example.test' });
  t.is(declined.status, 402);
  t.regex(await declined.text(), /Your card was declined\./);
  t.is(sim.state.checkoutSessions.get(session.id)?.status, 'open');

  const before = sim.events().length;
  const paid = await post(`${session.url!}/pay`, { card: '4242 4242 4242 4242', email: 'page@example.test' });
  t.is(paid.status, 200);
  t.regex(await paid.text(), new RegExp(`href="https://app.example.test/thanks\\?session=${session.id}"`));
  const done = sim.state.checkoutSessions.get(session.id);
  t.is(done?.status, 'complete');
  t.is(sim.state.subscriptions.get(done?.subscription as string)?.status, 'active');
  const viaPage = sim.events().slice(before).map((event) => event.type);

  // The same purchase through the control API emits the same kinds of events, in the same order.
  const other = await newSession(stripe, 'user_control');
  const middle = sim.events().length;
  const control = await fetch(`${sim.url}/_sim/checkout/sessions/${other.id}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(control.status, 200);
  t.deepEqual(sim.events().slice(middle).map((event) => event.type), viaPage);
  t.true(viaPage.includes('checkout.session.completed'));

  const again = await fetch(session.url!);
  t.regex(await again.text(), /This checkout is complete/);
});

test('the portal page cancels at period end, resumes and changes plan, each sending customer.subscription.updated', async (t) => {
  const { sim, stripe } = await simulator(t);
  const session = await newSession(stripe, 'user_portal');
  t.is((await post(`${session.url!}/pay`, { card: '4242424242424242', email: 'p@example.test' })).status, 200);
  const done = sim.state.checkoutSessions.get(session.id)!;
  const subscription = done.subscription as string;
  const portal = await stripe.billingPortal.sessions.create({ customer: done.customer as string, return_url: 'https://app.example.test/account' });
  const page = await (await fetch(portal.url)).text();
  t.regex(page, /renews on \d{4}-\d\d-\d\d/);
  t.regex(page, /Cancel at period end/);

  const updates = () => sim.events().filter((event) => event.type === 'customer.subscription.updated').length;
  const base = `${portal.url}/subscriptions/${subscription}`;
  let count = updates();
  const canceled = await post(`${base}/cancel`);
  t.is(canceled.status, 303);
  t.is(canceled.headers.get('location'), `/portal/${portal.id}`);
  t.true(sim.state.subscriptions.get(subscription)?.cancel_at_period_end);
  t.is(updates(), count + 1);
  t.regex(await (await fetch(portal.url)).text(), /cancels on \d{4}-\d\d-\d\d[\s\S]*Resume subscription/);

  count = updates();
  await post(`${base}/resume`);
  t.false(sim.state.subscriptions.get(subscription)?.cancel_at_period_end);
  t.is(updates(), count + 1);

  count = updates();
  await post(`${base}/plan`, { price: 'price_basic_monthly' });
  t.is(sim.state.subscriptions.get(subscription)?.items.data[0]?.price.id, 'price_basic_monthly');
  t.is(updates(), count + 1);

  const foreign = await post(`${portal.url}/subscriptions/sub_nobody/cancel`);
  t.is(foreign.status, 404);
  t.is((await fetch(`${sim.url}/checkout/cs_nobody`)).status, 404);
});
