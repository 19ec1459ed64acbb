import test from 'ava';
import { catchUpEvents, catchUpOverlapSeconds } from '../../workers/reconcile/catch-up.js';
import { startPipeline } from '../support/pipeline.js';
import { ListingStripeState } from '../support/stripe-lists.js';
import { uid, useStripeState } from '../support/stripe-state.js';

/**
 * Stripe fails the third page of a catch-up for longer than one call retries: the pass stops, and
 * the next catch-up resumes after the last page it recorded instead of listing from the start.
 */
test('a catch-up cut short by Stripe resumes after its last recorded page', async (t) => {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const now = Math.floor(Date.now() / 1000);
  const customer = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
  // 250 events nobody delivered, newest last: pages of 100 hold 249–150, 149–50 and 49–0.
  const events = Array.from({ length: 250 }, (_, index) => stripe.event('invoice.upcoming', { id: uid('in'), object: 'invoice', customer }, { created: now - 1000 + index }));
  const endOfPage2 = events[50].id as string;
  const pageThree = (url: URL) => url.pathname === '/v1/events' && url.searchParams.get('starting_after') === endOfPage2;
  stripe.failNext(pageThree, 500, 4); // one try and the three retries of the call
  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  const { db } = services.api.context;

  await t.throwsAsync(catchUpEvents(services.worker!.context));
  t.is((await db('stripe_events').count({ n: '*' }).first())!.n, 200, 'the two pages recorded before the failure stay recorded');
  t.like((await db('sync_cursors').where({ name: 'events-catch-up' }).first()).value, { pass: { after: endOfPage2, newest: now - 1000 + 249 } });

  const listsBefore = stripe.listCalls.length;
  t.like(await catchUpEvents(services.worker!.context), { status: 'done', listed: 50, recorded: 50 });
  const resumed = stripe.listCalls.slice(listsBefore);
  t.deepEqual(resumed.map((call) => call.includes(`starting_after=${endOfPage2}`)), [true], 'one list call, starting after page 2');
  t.is((await db('stripe_events').count({ n: '*' }).first())!.n, 250);
  t.deepEqual((await db('sync_cursors').where({ name: 'events-catch-up' }).first()).value, { created: now - 1000 + 249 - catchUpOverlapSeconds }, 'the pass ended: cursor moved, pass forgotten');
});
