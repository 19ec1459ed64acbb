import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';
import { invalidationSeen } from './entitlements-fixtures.js';

interface Grant { id: string; customer_id: string; feature: string; value: true | number; reason: string; expires_at: string | null; revoked_at: string | null; revoked_reason: string | null; created_by: string }
interface Entitlements { customer: { id: string } | null; entitlements: { feature: string; value: unknown; sources: { kind: string; id: string }[] }[] }

test('a grant counts in the read API at once, is audited with actor, request id and before/after, and revoking it undoes it', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const reader = await adminKey(db, { scope: 'read' });
  const customer = await seedCustomer(db);
  const read = async () => (await call<Entitlements>(url, `/v1/customers/${customer.stripeId}/entitlements`, { key: reader.key })).body.entitlements;
  t.deepEqual(await read(), [], 'warm the cache with the empty answer');

  // The write answers after its commit; this process's memory tier drops the entry when the invalidation message arrives.
  const grantSeen = invalidationSeen(api, customer.stripeId);
  const created = await call<Grant>(url, '/admin/grants', {
    method: 'POST', key: admin.key, headers: { 'x-request-id': 'req-grant-1' },
    body: { customer: customer.stripeId, feature: 'api_calls', value: 500, reason: 'support ticket 42' },
  });
  t.is(created.status, 201);
  t.like(created.body, { customer_id: customer.id, feature: 'api_calls', value: 500, reason: 'support ticket 42', expires_at: null, revoked_at: null, created_by: `key:${admin.id}` });
  await grantSeen;
  t.deepEqual(await read(), [{ feature: 'api_calls', value: 500, sources: [{ kind: 'grant', id: created.body.id }], expires_at: null }]);

  const audit = await db('audit_log').where({ grant_id: created.body.id }).orderBy('id').select<{ action: string; before: unknown; after: unknown }[]>('*');
  t.deepEqual(audit.map((row) => row.action), ['grant.created', 'entitlements.changed']);
  for (const row of audit) t.like(row, { actor: `key:${admin.id}`, request_id: 'req-grant-1', customer_id: customer.id, reason: 'support ticket 42' });
  t.is(audit[0].before, null);
  t.like(audit[0].after, { id: created.body.id, value: 500 });

  const second = await call<Grant>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: customer.userId, feature: 'beta', reason: 'beta tester' } });
  t.is(second.body.value, true, 'value defaults to true; a user id finds the same customer');
  const listed = await call<{ data: Grant[] }>(url, `/admin/grants?customer=${customer.userId}`, { key: admin.key });
  t.deepEqual(listed.body.data.map((grant) => grant.id), [second.body.id, created.body.id]);

  const revokeSeen = invalidationSeen(api, customer.stripeId);
  const revoked = await call<Grant>(url, `/admin/grants/${created.body.id}`, { method: 'DELETE', key: admin.key, body: { reason: 'ticket closed' }, headers: { 'x-request-id': 'req-revoke-1' } });
  t.is(revoked.status, 200);
  t.like(revoked.body, { id: created.body.id, revoked_reason: 'ticket closed' });
  t.truthy(revoked.body.revoked_at);
  await revokeSeen;
  t.deepEqual((await read()).map((entry) => entry.feature), ['beta']);
  const revocation = await db('audit_log').where({ grant_id: created.body.id, action: 'grant.revoked' }).first();
  t.like(revocation, { actor: `key:${admin.id}`, request_id: 'req-revoke-1', reason: 'ticket closed', before: { revoked_at: null }, after: { revoked_reason: 'ticket closed' } });

  const again = await call(url, `/admin/grants/${created.body.id}?reason=again`, { method: 'DELETE', key: admin.key });
  t.is(again.status, 409);
  t.like(again.body, { error: { type: 'conflict', code: 'grant_already_revoked' } });
  t.like((await call(url, '/admin/grants/7d4f5e52-0000-4000-8000-000000000000?reason=x', { method: 'DELETE', key: admin.key })).body, { error: { code: 'grant_not_found' } });
  t.is((await call(url, '/admin/grants/not-a-uuid?reason=x', { method: 'DELETE', key: admin.key })).status, 404);
});

test('a grant for an unknown user id creates a customer holding only the user id; an unknown cus_ id is a 404', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const created = await call<Grant>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: 'auth0|new-user', feature: 'beta', reason: 'early access' } });
  t.is(created.status, 201);
  const customer = await db('customers').where({ id: created.body.customer_id }).first();
  t.like(customer, { user_id: 'auth0|new-user', stripe_customer_id: null });
  t.like(await db('audit_log').where({ action: 'customer.created', customer_id: customer.id }).first(), { actor: `key:${admin.id}` });
  const reader = await adminKey(db, { scope: 'read' });
  t.deepEqual((await call<Entitlements>(url, '/v1/customers/auth0|new-user/entitlements', { key: reader.key })).body.entitlements,
    [{ feature: 'beta', value: true, sources: [{ kind: 'grant', id: created.body.id }], expires_at: null }]);

  const unknown = await call(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: 'cus_neverseen', feature: 'beta', reason: 'x' } });
  t.is(unknown.status, 404);
  t.like(unknown.body, { error: { code: 'customer_not_found' } });
  t.is(await db('customers').where({ stripe_customer_id: 'cus_neverseen' }).first(), undefined);
  t.is((await call(url, '/admin/grants?customer=cus_neverseen', { key: admin.key })).status, 404);
  t.is((await call(url, '/admin/customers/cus_neverseen', { key: admin.key })).status, 404);
});

test('bad grant requests are 400s naming the field', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  const customer = (await seedCustomer(api.context.db)).stripeId;
  const valid = { customer, feature: 'beta', reason: 'x' };
  const cases: [unknown, string][] = [
    [{ ...valid, value: -1 }, 'value'],
    [{ ...valid, value: 'lots' }, 'value'],
    [{ ...valid, value: false }, 'value'],
    [{ ...valid, expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
    [{ ...valid, expires_at: 'tomorrow' }, 'expires_at'],
    [{ customer, feature: 'beta' }, 'reason'],
    [{ ...valid, reason: '   ' }, 'reason'],
    [{ ...valid, feature: 'has space' }, 'feature'],
    [{ ...valid, customer: undefined }, 'customer'],
    [{ ...valid, customer: 'bad ref!' }, 'customer'],
    [{ ...valid, colour: 'blue' }, 'colour'],
  ];
  for (const [body, field] of cases) {
    const response = await call<{ error: { type: string; param: string; message: string } }>(url, '/admin/grants', { method: 'POST', key: admin.key, body });
    t.is(response.status, 400, JSON.stringify(body));
    t.is(response.body.error.param, field, JSON.stringify(body));
    t.regex(response.body.error.message, new RegExp(field));
  }
  const noReason = await call<{ error: { param: string } }>(url, '/admin/grants/7d4f5e52-0000-4000-8000-000000000000', { method: 'DELETE', key: admin.key });
  t.is(noReason.status, 400);
  t.is(noReason.body.error.param, 'reason');
  const noCustomer = await call<{ error: { param: string } }>(url, '/admin/grants', { key: admin.key });
  t.is(noCustomer.status, 400);
  t.is(noCustomer.body.error.param, 'customer');
  t.is(await api.context.db('grants').count<{ n: string }[]>({ n: '*' }).then(([row]) => Number(row.n)), 0);
});

test('the customer mirror shows the customer, subscriptions with items, grants, entitlements and recent audit rows', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const customer = await seedCustomer(db);
  await db('subscriptions').insert({ id: 'sub_mirror1', customer_id: customer.id, stripe_customer_id: customer.stripeId, status: 'active', synced_at: new Date() });
  await db('subscription_items').insert({ id: 'si_mirror1', subscription_id: 'sub_mirror1', price_id: 'price_1', product_id: 'prod_1', quantity: 3 });
  const grant = await call<Grant>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'beta', reason: 'x' } });
  const mirror = await call<{ customer: { id: string }; subscriptions: { id: string; status: string; items: { id: string; quantity: number }[] }[]; grants: { id: string }[]; entitlements: { features: unknown[] }; audit: { action: string }[] }>(
    url, `/admin/customers/${customer.userId}`, { key: admin.key });
  t.is(mirror.status, 200);
  t.like(mirror.body.customer, { id: customer.id, stripe_customer_id: customer.stripeId, user_id: customer.userId });
  t.deepEqual(mirror.body.subscriptions.map(({ id, status, items }) => ({ id, status, items: items.map((item) => ({ id: item.id, quantity: item.quantity })) })),
    [{ id: 'sub_mirror1', status: 'active', items: [{ id: 'si_mirror1', quantity: 3 }] }]);
  t.deepEqual(mirror.body.grants.map((row) => row.id), [grant.body.id]);
  t.like(mirror.body.entitlements, { customer_id: customer.id });
  t.deepEqual(mirror.body.entitlements.features, [{ feature: 'beta', value: true, sources: [{ kind: 'grant', id: grant.body.id }], expires_at: null }]);
  t.deepEqual(mirror.body.audit.map((row) => row.action), ['entitlements.changed', 'grant.created']);
  t.is((await call(url, '/admin/customers/bad%20ref', { key: admin.key })).status, 400);
});
