import test from 'ava';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

interface Read { customer: unknown; entitlements: { feature: string }[]; version: number }

test('the version moves by one with each stored change, not with a recompute that changes nothing', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  const path = `/v1/customers/${customer.stripeId}/entitlements`;
  t.is((await call<Read>(url, path, { key })).body.version, 0, 'never computed');
  t.is((await call<Read>(url, '/v1/customers/user_nobody/entitlements', { key })).body.version, 0, 'unknown customer');

  const first = await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  t.is(first.version, 1);
  const granted = await call(url, '/admin/grants', { method: 'POST', key, body: { customer: customer.stripeId, feature: 'beta', reason: 'test' } });
  t.is(granted.status, 201);
  const after = (await call<Read>(url, path, { key })).body;
  t.is(after.version, 2);
  t.deepEqual(after.entitlements.map((entry) => entry.feature), ['beta']);
  const again = await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  t.false(again.changed);
  t.is(again.version, 2, 'nothing changed, the version stays');
  t.is((await call<Read>(url, `/v1/customers/${customer.userId}/entitlements`, { key })).body.version, 2);
});

test('a read with min_version answers once a later write makes that version visible', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  const path = `/v1/customers/${customer.userId}/entitlements`;
  t.is((await call<Read>(url, path, { key })).body.version, 1, 'cached at version 1');

  const waiting = call<Read>(url, `${path}?min_version=2&wait_ms=5000`, { key });
  const granted = await call(url, '/admin/grants', { method: 'POST', key, body: { customer: customer.userId, feature: 'beta', reason: 'test' } });
  t.is(granted.status, 201);
  const answer = await waiting;
  t.is(answer.status, 200);
  t.is(answer.body.version, 2);
  t.deepEqual(answer.body.entitlements.map((entry) => entry.feature), ['beta']);
  t.is(answer.headers.get('min-version-timed-out'), null);
});

test('a read whose version never comes answers 200 with what there is and says it timed out', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  await recomputeCustomer(api.context, customer.id, { actor: 'system' });
  const answer = await call<Read>(url, `/v1/customers/${customer.stripeId}/entitlements?min_version=9&wait_ms=50`, { key });
  t.is(answer.status, 200);
  t.is(answer.body.version, 1);
  t.is(answer.headers.get('min-version-timed-out'), 'true');
  const reached = await call<Read>(url, `/v1/customers/${customer.stripeId}/entitlements?min_version=1`, { key });
  t.is(reached.headers.get('min-version-timed-out'), null, 'a version already visible answers at once');
});

test('min_version and wait_ms are validated', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  for (const query of ['min_version=-1', 'min_version=abc', 'min_version=1&wait_ms=5001', 'min_version=1&wait_ms=1.5']) {
    const answer = await call<{ error: { code: string } }>(url, `/v1/customers/user_x/entitlements?${query}`, { key });
    t.is(answer.status, 400, query);
    t.is(answer.body.error.code, 'invalid_query', query);
  }
});
