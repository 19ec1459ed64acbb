import test from 'ava';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { startServices } from '../support/services.js';
import { invalidationSeen, keyFor, pro, read, seats, seedCustomer } from './entitlements-fixtures.js';

interface Body { customer: { id: string; stripe_customer_id: string | null; user_id: string | null } | null; entitlements: unknown[]; version: number; as_of: string }

test('a known customer is answered by Stripe id and by user id with the stored entitlements', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro, seats(5)]);
  const key = await keyFor(api.context.db);
  for (const ref of [customer.stripeId, customer.userId]) {
    const response = await read(url, `/v1/customers/${ref}/entitlements`, key);
    t.is(response.status, 200);
    t.regex(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as Body;
    t.deepEqual(body.customer, { id: customer.id, stripe_customer_id: customer.stripeId, user_id: customer.userId });
    t.deepEqual(body.entitlements, [pro, seats(5)]);
    t.false(Number.isNaN(Date.parse(body.as_of)));
    t.deepEqual(Object.keys(body), ['customer', 'entitlements', 'version', 'as_of']);
    t.is(body.version, 1, 'the seeded row is version 1');
  }
});

test('an unknown customer is a 200 with customer null and no entitlements', async (t) => {
  const { url, api } = await startServices(t);
  const key = await keyFor(api.context.db);
  for (const ref of ['cus_nobody', 'auth0|nobody']) {
    const response = await read(url, `/v1/customers/${encodeURIComponent(ref)}/entitlements`, key);
    t.is(response.status, 200);
    const body = (await response.json()) as Body;
    t.is(body.customer, null);
    t.deepEqual(body.entitlements, []);
  }
  const feature = await read(url, '/v1/customers/cus_nobody/entitlements/pro', key);
  t.deepEqual(await feature.json(), { feature: 'pro', entitled: false, value: null, expires_at: null });
});

test('the feature route answers entitled, value and expiry; an absent feature is entitled false with value null', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro, seats(0), { ...seats(3), feature: 'api_calls', expires_at: '2099-01-01T00:00:00.000Z' }]);
  const key = await keyFor(api.context.db, 'admin');
  const body = async (feature: string) => (await read(url, `/v1/customers/${customer.userId}/entitlements/${feature}`, key)).json();
  t.deepEqual(await body('pro'), { feature: 'pro', entitled: true, value: true, expires_at: null });
  t.deepEqual(await body('seats'), { feature: 'seats', entitled: false, value: 0, expires_at: null }, 'a value of 0 is not an entitlement');
  t.deepEqual(await body('api_calls'), { feature: 'api_calls', entitled: true, value: 3, expires_at: '2099-01-01T00:00:00.000Z' });
  t.deepEqual(await body('team'), { feature: 'team', entitled: false, value: null, expires_at: null });
});

test('both routes carry an ETag that ignores as_of; If-None-Match answers 304 without a body', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  for (const path of [`/v1/customers/${customer.stripeId}/entitlements`, `/v1/customers/${customer.stripeId}/entitlements/pro`]) {
    const first = await read(url, path, key);
    const etag = first.headers.get('etag');
    t.truthy(etag);
    t.is(first.headers.get('cache-control'), 'private, no-cache');
    const again = await read(url, path, key);
    t.is(again.headers.get('etag'), etag, 'same payload, same tag, although as_of moved');
    const notModified = await read(url, path, key, { 'if-none-match': etag! });
    t.is(notModified.status, 304);
    t.is(await notModified.text(), '');
    const other = await read(url, path, key, { 'if-none-match': 'W/"something-else"' });
    t.is(other.status, 200);
  }
  const otherCustomer = await seedCustomer(api.context.db, [seats(2)]);
  const a = await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key);
  const b = await read(url, `/v1/customers/${otherCustomer.stripeId}/entitlements`, key);
  t.not(a.headers.get('etag'), b.headers.get('etag'));
});

test('entitlements recomputed from grants are served, and a recompute invalidates the cached answer', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const customer = await seedCustomer(db, []);
  const key = await keyFor(db);
  const path = `/v1/customers/${customer.userId}/entitlements/beta`;
  t.is(((await (await read(url, path, key)).json()) as { entitled: boolean }).entitled, false);
  const [grant] = await db('grants').insert({ customer_id: customer.id, feature: 'beta', value: JSON.stringify(true), reason: 'test', created_by: 'test' }).returning<{ id: string }[]>('id');
  // The recompute publishes the invalidation; the in-process tier drops the entry when it arrives.
  const seen = invalidationSeen(api, customer.userId);
  await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  await seen;
  t.true(((await (await read(url, path, key)).json()) as { entitled: boolean }).entitled);
  const full = (await (await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).json()) as Body;
  t.deepEqual(full.entitlements, [{ feature: 'beta', value: true, sources: [{ kind: 'grant', id: grant.id }], expires_at: null }]);
});

test('If-None-Match never hides a change: after a grant and its recompute, the old tag gets a 200 with a new tag', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const customer = await seedCustomer(db, [pro]);
  const key = await keyFor(db);
  const paths = [`/v1/customers/${customer.stripeId}/entitlements`, `/v1/customers/${customer.stripeId}/entitlements/beta`];
  const oldTags: string[] = [];
  for (const path of paths) {
    const before = await read(url, path, key);
    t.is(before.status, 200);
    oldTags.push(before.headers.get('etag')!);
    t.is((await read(url, path, key, { 'if-none-match': oldTags.at(-1)! })).status, 304, 'unchanged: the tag still matches');
  }
  const [grant] = await db('grants').insert({ customer_id: customer.id, feature: 'beta', value: JSON.stringify(true), reason: 'test', created_by: 'test' }).returning<{ id: string }[]>('id');
  const seen = invalidationSeen(api, customer.stripeId);
  await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  await seen;

  const full = await read(url, paths[0], key, { 'if-none-match': oldTags[0] });
  t.is(full.status, 200);
  t.not(full.headers.get('etag'), oldTags[0]);
  t.deepEqual(((await full.json()) as Body).entitlements, [{ feature: 'beta', value: true, sources: [{ kind: 'grant', id: grant.id }], expires_at: null }]);
  const feature = await read(url, paths[1], key, { 'if-none-match': oldTags[1] });
  t.is(feature.status, 200);
  t.not(feature.headers.get('etag'), oldTags[1]);
  t.deepEqual(await feature.json(), { feature: 'beta', entitled: true, value: true, expires_at: null });
});
