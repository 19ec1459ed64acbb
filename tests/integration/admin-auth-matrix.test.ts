import { randomUUID } from 'node:crypto';
import test from 'ava';
import { revokeKey } from '../../shared/api-keys.js';
import type { TestServices } from '../support/services.js';
import { startServices } from '../support/services.js';
import { adminKey, basic, call, seedCustomer, seedEvent } from './admin-fixtures.js';

interface RouteCase {
  method: string;
  /** A path that reaches the route (auth runs before anything else). */
  path: string;
  /** Data an admin request needs to succeed: the path and body to send. */
  prepare: (services: TestServices, key: string) => Promise<{ path?: string; body?: unknown }>;
  success: number;
}

const routes: RouteCase[] = [
  { method: 'POST', path: '/admin/grants', success: 201, prepare: async ({ api }) => ({ body: { customer: (await seedCustomer(api.context.db)).stripeId, feature: 'beta', reason: 'matrix' } }) },
  { method: 'GET', path: '/admin/grants?customer=cus_x', success: 200, prepare: async ({ api }) => ({ path: `/admin/grants?customer=${(await seedCustomer(api.context.db)).userId}` }) },
  {
    method: 'DELETE', path: `/admin/grants/${randomUUID()}?reason=x`, success: 200,
    prepare: async ({ url, api }, key) => {
      const grant = await call<{ id: string }>(url, '/admin/grants', { method: 'POST', key, body: { customer: (await seedCustomer(api.context.db)).stripeId, feature: 'beta', reason: 'x' } });
      return { path: `/admin/grants/${grant.body.id}?reason=matrix` };
    },
  },
  { method: 'GET', path: '/admin/customers?q=cus', success: 200, prepare: () => Promise.resolve({}) },
  { method: 'GET', path: '/admin/customers/cus_x', success: 200, prepare: async ({ api }) => ({ path: `/admin/customers/${(await seedCustomer(api.context.db)).stripeId}` }) },
  { method: 'GET', path: '/admin/events', success: 200, prepare: () => Promise.resolve({}) },
  { method: 'POST', path: '/admin/events/evt_x/replay', success: 202, prepare: async ({ api }) => ({ path: `/admin/events/${await seedEvent(api.context.db)}/replay` }) },
  { method: 'POST', path: '/admin/reconciliations', success: 202, prepare: () => Promise.resolve({ body: {} }) },
  {
    method: 'GET', path: `/admin/reconciliations/${randomUUID()}`, success: 200,
    prepare: async ({ url }, key) => ({ path: `/admin/reconciliations/${(await call<{ id: string }>(url, '/admin/reconciliations', { method: 'POST', key, body: {} })).body.id}` }),
  },
  { method: 'GET', path: '/admin/audit', success: 200, prepare: () => Promise.resolve({}) },
  { method: 'POST', path: '/admin/session', success: 201, prepare: () => Promise.resolve({}) },
  { method: 'GET', path: '/admin/queues', success: 200, prepare: () => Promise.resolve({}) },
  { method: 'GET', path: '/admin/queues/api/queues', success: 200, prepare: () => Promise.resolve({}) },
];

// One route per test, run one after another: a dozen apps and databases at once only add load.
for (const route of routes) {
  // A read-only admin key may read, and open a session to look at the board; every other write is a 403.
  const readOnlyStatus = route.method === 'GET' || route.path === '/admin/session' ? route.success : 403;
  test.serial(`${route.method} ${route.path.split('?')[0].replace(/[0-9a-f-]{36}$/, ':id')}: none 401, read 403, write 403, revoked 401, read-only admin ${readOnlyStatus}, admin ${route.success}`, async (t) => {
    const services = await startServices(t, { env: { API_KEY_CACHE_TTL_SECONDS: '0' } });
    const { url, api } = services;
    const { db } = api.context;
    const [read, write, admin, revoked, readOnly] = await Promise.all([
      adminKey(db, { scope: 'read' }), adminKey(db, { scope: 'write' }), adminKey(db), adminKey(db), adminKey(db, { readOnly: true }),
    ]);
    const send = (key: string | undefined, path = route.path, body: unknown = route.method === 'GET' || route.method === 'DELETE' ? undefined : {}) =>
      call(url, path, { method: route.method, key, body });

    const none = await send(undefined);
    t.is(none.status, 401);
    t.like(none.body, { error: { type: 'authentication', code: 'unauthorized' } });
    t.like((await send(read.key)).body, { error: { type: 'permission', code: 'forbidden' } });
    t.is((await send(read.key)).status, 403);
    t.is((await send(write.key)).status, 403);

    t.true(await revokeKey(db, revoked.id));
    t.is((await send(revoked.key)).status, 401, 'a revoked admin key is refused (API_KEY_CACHE_TTL_SECONDS=0)');

    const { path, body } = await route.prepare(services, admin.key);
    const preparedBody = body ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
    const asReadOnly = await send(readOnly.key, path ?? route.path, preparedBody);
    t.is(asReadOnly.status, readOnlyStatus, JSON.stringify(asReadOnly.body)?.slice(0, 300));
    const ok = await send(admin.key, path ?? route.path, preparedBody);
    t.is(ok.status, route.success, JSON.stringify(ok.body)?.slice(0, 300));
  });
}

test('Bull Board asks browsers for HTTP Basic and accepts the admin key as its password', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const read = await adminKey(api.context.db, { scope: 'read' });

  const challenge = await fetch(`${url}/admin/queues`);
  t.is(challenge.status, 401);
  t.is(challenge.headers.get('www-authenticate'), 'Basic realm="billing admin", charset="UTF-8"');
  t.is((await fetch(`${url}/admin/queues`, { headers: { authorization: basic('bk_admin_wrongwrongwrongwrongwrongwrongwrong') } })).status, 401);
  t.is((await fetch(`${url}/admin/queues`, { headers: { authorization: basic(read.key) } })).status, 403);
  const page = await fetch(`${url}/admin/queues`, { headers: { authorization: basic(key) } });
  t.is(page.status, 200);
  t.regex(page.headers.get('content-type') ?? '', /text\/html/);
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  t.is(page.headers.get('x-powered-by'), null, 'the board does not name its framework');
  t.is((await fetch(`${url}/admin/queues/api/queues`, { headers: { authorization: basic(key) } })).status, 200);
  t.is((await fetch(`${url}/admin/grants`)).headers.get('www-authenticate'), null, 'JSON routes do not ask for Basic');
});

test('a session cookie from POST /admin/session opens Bull Board for an hour and dies with its key', async (t) => {
  const { url, api } = await startServices(t, { env: { API_KEY_CACHE_TTL_SECONDS: '0' } });
  const { db } = api.context;
  const admin = await adminKey(db);

  const session = await call<{ expires_at: string; read_only: boolean }>(url, '/admin/session', { method: 'POST', key: admin.key });
  t.is(session.status, 201);
  t.false(session.body.read_only);
  const setCookie = session.headers.get('set-cookie') ?? '';
  t.regex(setCookie, /^billing_admin_session=[\w-]{43};/);
  for (const attribute of [/; Path=\/admin(;|$)/, /; HttpOnly/, /; SameSite=Strict/, /; Max-Age=3600/]) t.regex(setCookie, attribute);
  t.false(/; Secure/.test(setCookie), 'not Secure over plain http');
  const cookie = setCookie.split(';')[0];
  const ttl = await api.context.redis.ttl((await api.context.redis.keys(`${api.context.config.REDIS_PREFIX}:admin-session:*`))[0]);
  t.true(ttl > 3590 && ttl <= 3600, `Redis TTL ${ttl}`);

  t.is((await fetch(`${url}/admin/queues`, { headers: { cookie } })).status, 200);
  t.is((await fetch(`${url}/admin/queues/api/queues`, { headers: { cookie } })).status, 200);
  t.is((await fetch(`${url}/admin/queues`, { headers: { cookie: 'billing_admin_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status, 401);
  t.is((await call(url, '/admin/audit', { headers: { cookie } })).status, 401, 'the cookie opens only the board; JSON routes need the Bearer key');
  const audit = await db('audit_log').where({ action: 'admin_session.created' }).first();
  t.like(audit, { actor: `key:${admin.id}`, subject_type: 'api_key', subject_id: admin.id });

  await revokeKey(db, admin.id);
  t.is((await fetch(`${url}/admin/queues`, { headers: { cookie } })).status, 401, 'revoking the key ends its sessions');
});

test('a read_only admin key sees the read-only board and cannot act through it', async (t) => {
  const { url, api } = await startServices(t);
  const readOnly = await adminKey(api.context.db, { readOnly: true });
  const full = await adminKey(api.context.db);
  const queues = async (key: string) => (await call<{ queues: { name: string; readOnlyMode: boolean }[] }>(url, '/admin/queues/api/queues', { key })).body.queues;

  const seen = await queues(readOnly.key);
  t.deepEqual(seen.map((queue) => queue.name).sort(), ['events', 'maintenance', 'meters', 'reconcile', 'sync', 'webhooks'], 'the queues a worker consumes');
  t.true(seen.every((queue) => queue.readOnlyMode));
  t.true((await queues(full.key)).every((queue) => !queue.readOnlyMode));

  const pause = await call(url, '/admin/queues/api/queues/events/pause', { method: 'PUT', key: readOnly.key });
  t.is(pause.status, 403);
  t.false(await api.context.queues.events.isPaused());
  t.regex(await (await fetch(`${url}/admin/queues`, { headers: { authorization: basic(readOnly.key) } })).text(), /read-only/);

  t.is((await call(url, '/admin/queues/api/queues/events/pause', { method: 'PUT', key: full.key })).status, 200);
  t.true(await api.context.queues.events.isPaused());
});
