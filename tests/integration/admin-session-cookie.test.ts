import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call } from './admin-fixtures.js';

async function openSession(env: Record<string, string>, t: Parameters<typeof startServices>[0]) {
  const services = await startServices(t, { env });
  const admin = await adminKey(services.api.context.db);
  const session = await call(services.url, '/admin/session', { method: 'POST', key: admin.key });
  t.is(session.status, 201);
  return { ...services, admin, setCookie: session.headers.get('set-cookie') ?? '' };
}

test('COOKIE_SECURE=true marks the session cookie Secure even over plain HTTP (a TLS proxy in front)', async (t) => {
  const { setCookie } = await openSession({ COOKIE_SECURE: 'true' }, t);
  t.regex(setCookie, /; Secure/);
});

test('in production the session cookie is Secure by default', async (t) => {
  const { setCookie } = await openSession({ NODE_ENV: 'production', RECONCILE_SCHEDULES: 'false' }, t);
  t.regex(setCookie, /; Secure/);
});

test('COOKIE_SECURE=false leaves it off, as a plain-HTTP development setup needs', async (t) => {
  const { setCookie } = await openSession({ NODE_ENV: 'production', RECONCILE_SCHEDULES: 'false', COOKIE_SECURE: 'false' }, t);
  t.false(/; Secure/.test(setCookie));
});

test('DELETE /admin/session logs out: the session ends in Redis, the cookie is cleared, the board refuses it', async (t) => {
  const { url, api, admin, setCookie } = await openSession({}, t);
  const cookie = setCookie.split(';')[0] ?? '';
  t.is((await fetch(`${url}/admin/queues/api/queues`, { headers: { cookie } })).status, 200);

  const crossSite = await fetch(`${url}/admin/session`, { method: 'DELETE', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
  t.is(crossSite.status, 403, 'a foreign page cannot log the user out either');
  t.is((await fetch(`${url}/admin/queues/api/queues`, { headers: { cookie } })).status, 200);

  const logout = await fetch(`${url}/admin/session`, { method: 'DELETE', headers: { cookie, origin: url } });
  t.is(logout.status, 204);
  const cleared = logout.headers.get('set-cookie') ?? '';
  t.regex(cleared, /^billing_admin_session=;/);
  t.regex(cleared, /Expires=Thu, 01 Jan 1970/);
  t.regex(cleared, /; Path=\/admin/);
  t.is((await fetch(`${url}/admin/queues/api/queues`, { headers: { cookie } })).status, 401, 'the old cookie no longer opens the board');
  t.deepEqual(await api.context.redis.keys(`${api.context.config.REDIS_PREFIX}:admin-session:*`), []);
  t.like(await api.context.db('audit_log').where({ action: 'admin_session.ended' }).first(), { actor: `key:${admin.id}`, subject_id: admin.id });
  t.is((await fetch(`${url}/admin/session`, { method: 'DELETE', headers: { origin: url } })).status, 204, 'without a session it changes nothing');
});
