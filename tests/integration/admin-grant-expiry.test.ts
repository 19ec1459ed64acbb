import test from 'ava';
import { createApp } from '../../api/app.js';
import { closeServer, listen, portOf } from '../../api/server.js';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { sweepGrantExpiry } from '../../shared/grants/sweep-grant-expiry.js';
import { grantExpiryTask } from '../../workers/processors/grant-expiry.js';
import { catalogFile } from '../support/catalog.js';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

const hour = 3_600_000;
interface Entitlements { entitlements: { feature: string; value: unknown }[] }

test('a grant with an expiry stops counting at its expiry in the read API, without any job', async (t) => {
  const { api } = await startServices(t);
  const { db } = api.context;
  let clock = new Date();
  const cache = new EntitlementCache(api.context, { now: () => clock });
  await cache.start();
  const server = await listen(createApp(api.context, { entitlements: cache }), 0);
  t.teardown(async () => { await closeServer(server); await cache.stop(); });
  const url = `http://127.0.0.1:${portOf(server)}`;
  const admin = await adminKey(db);
  const reader = await adminKey(db, { scope: 'read' });
  const customer = await seedCustomer(db);

  const expiresAt = new Date(clock.getTime() + hour);
  const grant = await call<{ id: string; expires_at: string }>(url, '/admin/grants', {
    method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'beta', value: 3, expires_at: expiresAt.toISOString(), reason: 'trial' },
  });
  t.is(grant.status, 201);
  t.is(grant.body.expires_at, expiresAt.toISOString());
  const read = async () => (await call<Entitlements>(url, `/v1/customers/${customer.stripeId}/entitlements`, { key: reader.key })).body.entitlements;
  const beta = [{ feature: 'beta', value: 3, sources: [{ kind: 'grant', id: grant.body.id }], expires_at: expiresAt.toISOString() }];
  t.deepEqual(await read(), beta);
  clock = new Date(expiresAt.getTime() - 1);
  t.deepEqual(await read(), beta, 'still counts just before the expiry');
  clock = new Date(expiresAt.getTime() + 1);
  t.deepEqual(await read(), [], 'gone right after the expiry');
  t.is((await db('grants').where({ id: grant.body.id }).first()).expiry_recorded_at, null, 'no job ran');
});

test('the sweep records each passed expiry once: expiry_recorded_at, a grant.expired audit row and the recomputed entitlements', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const customer = await seedCustomer(db);
  const now = Date.now();
  const grant = async (body: Record<string, unknown>) =>
    (await call<{ id: string }>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, reason: 'test', ...body } })).body.id;
  const soon = await grant({ feature: 'soon', expires_at: new Date(now + 60_000).toISOString() });
  const later = await grant({ feature: 'later', expires_at: new Date(now + 10 * hour).toISOString() });
  const forever = await grant({ feature: 'forever' });
  const revoked = await grant({ feature: 'revoked', expires_at: new Date(now + 30_000).toISOString() });
  await call(url, `/admin/grants/${revoked}?reason=undo`, { method: 'DELETE', key: admin.key });

  t.deepEqual(await sweepGrantExpiry(api.context, new Date(now)), { recorded: 0, grantIds: [] }, 'nothing has expired yet');
  const at = new Date(now + 2 * 60_000);
  t.deepEqual(await sweepGrantExpiry(api.context, at), { recorded: 1, grantIds: [soon] });
  t.deepEqual(await sweepGrantExpiry(api.context, at), { recorded: 0, grantIds: [] }, 'a recorded expiry is not recorded again');

  const rows = await db('grants').whereIn('id', [soon, later, forever, revoked]).select<{ id: string; expiry_recorded_at: Date | null }[]>('id', 'expiry_recorded_at');
  t.deepEqual(rows.filter((row) => row.expiry_recorded_at !== null).map((row) => row.id), [soon]);
  t.is(rows.find((row) => row.id === soon)!.expiry_recorded_at!.getTime(), at.getTime());
  const audit = await db('audit_log').where({ grant_id: soon, action: 'grant.expired' });
  t.is(audit.length, 1);
  t.like(audit[0], { actor: 'system', customer_id: customer.id, subject_type: 'grant', subject_id: soon, before: { expiry_recorded_at: null } });
  t.truthy(audit[0].after.expiry_recorded_at);
  t.like(await db('audit_log').where({ grant_id: soon, action: 'entitlements.changed', actor: 'system' }).first(), { reason: 'grant expired' });
  const stored = await db('entitlements').where({ customer_id: customer.id }).first<{ features: { feature: string }[] }>();
  t.deepEqual(stored.features.map((entry) => entry.feature), ['forever', 'later']);
});

test('workers schedule the sweep every minute as a maintenance task', async (t) => {
  const { worker } = await startServices(t, { worker: true, env: { CATALOG_FILE: catalogFile() } });
  const scheduler = await worker!.context.queues.maintenance.getJobScheduler(grantExpiryTask);
  t.like(scheduler, { key: grantExpiryTask, name: grantExpiryTask, every: 60_000 });
});
