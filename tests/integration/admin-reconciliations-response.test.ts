import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

test('a reconciliation request is queued, audited, and readable by id', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const customer = await seedCustomer(db);

  const requested = await call<{ id: string }>(url, '/admin/reconciliations', {
    method: 'POST', key: admin.key, headers: { 'x-request-id': 'req-recon-1' }, body: { customer: customer.userId, since: '2026-01-01T00:00:00Z' },
  });
  t.is(requested.status, 202);
  t.deepEqual(Object.keys(requested.body), ['id']);
  const run = await call<Record<string, unknown>>(url, `/admin/reconciliations/${requested.body.id}`, { key: admin.key });
  t.is(run.status, 200);
  t.like(run.body, {
    id: requested.body.id, status: 'queued', trigger: `admin:${admin.id}`, params: { customer: customer.stripeId, since: '2026-01-01T00:00:00.000Z' },
    checked: 0, drifted: 0, repaired: 0, errors: 0,
  });
  t.truthy(await api.context.queues.reconcile.getJob(`reconcile-${requested.body.id}`));
  t.like(await db('audit_log').where({ reconciliation_run_id: requested.body.id }).first(), {
    actor: `key:${admin.id}`, action: 'reconciliation.requested', request_id: 'req-recon-1', subject_type: 'reconciliation_run',
  });

  await db('reconciliation_runs').where({ id: requested.body.id }).update({ status: 'succeeded', checked: 12, drifted: 2, repaired: 2, drift: JSON.stringify({ status_differs: 2 }) });
  t.like((await call(url, `/admin/reconciliations/${requested.body.id}`, { key: admin.key })).body, { status: 'succeeded', checked: 12, drifted: 2, repaired: 2, drift: { status_differs: 2 } });

  t.is((await call(url, '/admin/reconciliations', { method: 'POST', key: admin.key })).status, 202, 'an empty body reconciles everything');
  for (const [body, param] of [[{ since: '2999-01-01' }, 'since'], [{ since: 'last week' }, 'since'], [{ customer: 'not ok!' }, 'customer'], [{ scope: 'all' }, 'scope']] as const) {
    const response = await call<{ error: { param: string } }>(url, '/admin/reconciliations', { method: 'POST', key: admin.key, body });
    t.is(response.status, 400, JSON.stringify(body));
    t.is(response.body.error.param, param);
  }
  t.like((await call(url, '/admin/reconciliations', { method: 'POST', key: admin.key, body: { customer: 'user_unknown' } })).body, { error: { code: 'customer_not_found' } });
  t.is((await call(url, '/admin/reconciliations/7d4f5e52-0000-4000-8000-000000000000', { key: admin.key })).status, 404);
  t.is((await call(url, '/admin/reconciliations/nope', { key: admin.key })).status, 404);
});
