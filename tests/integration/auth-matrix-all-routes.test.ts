import { randomUUID } from 'node:crypto';
import test from 'ava';
import nock from 'nock';
import { createApp } from '../../api/app.js';
import { createKey, revokeKey, type KeyScope } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';
import { rawClient, type RawResponse } from '../support/raw-http.js';

// Every request here is answered by the api itself: an authorised request must never reach Stripe.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

/**
 * The route table the matrix checks the app against. Every `METHOD path` the router serves must be
 * listed in exactly one of these two tables, so a new route fails this test until someone decides
 * who may call it. `USE path` names a mounted sub-application (Bull Board) that answers any method.
 */
const publicRoutes = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  // Pages for people: the start page, the API reference and their stylesheet.
  'GET /',
  'GET /docs',
  'GET /assets/pages.css',
  // Authenticated by the Stripe signature, not by an API key.
  'POST /webhooks/stripe',
  // Logging out: the session cookie it ends is the credential; without one it changes nothing.
  'DELETE /admin/session',
]);

interface Protected {
  scope: KeyScope;
  /** For admin routes: may a `read_only` admin key call it? */
  readOnlyAdmin?: 'allowed' | 'refused';
  /** Requests to send for a mounted application; a route is probed at its own path. */
  probes?: { method: string; path: string }[];
}

const protectedRoutes: Record<string, Protected> = {
  'GET /v1/customers/:ref/entitlements': { scope: 'read' },
  'GET /v1/customers/:ref/entitlements/:feature': { scope: 'read' },
  'POST /v1/checkout/sessions': { scope: 'write' },
  'POST /v1/portal/sessions': { scope: 'write' },
  'POST /v1/customers/:ref/sync': { scope: 'write' },
  'POST /v1/customers/:ref/usage': { scope: 'write' },
  'POST /v1/customers/:ref/usage/check': { scope: 'write' },
  'POST /v1/customers/:ref/reservations': { scope: 'write' },
  'POST /v1/reservations/:id/commit': { scope: 'write' },
  'POST /v1/reservations/:id/release': { scope: 'write' },
  'GET /v1/customers/:ref/balances': { scope: 'read' },
  'GET /v1/customers/:ref/balances/:feature': { scope: 'read' },
  'POST /admin/balances/adjust': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/customers/:ref/ledger': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'POST /v1/customers/:ref/subscription/preview': { scope: 'write' },
  'POST /v1/customers/:ref/subscription/change': { scope: 'write' },
  'POST /v1/customers/:ref/subscription/cancel': { scope: 'write' },
  'POST /v1/customers/:ref/subscription/resume': { scope: 'write' },
  // Every customer's stream (one customer's, `?customer=`, needs scope read: the stream tests cover it).
  // The probe's bad resume id makes an admitted request answer 400 instead of holding a stream open.
  'GET /v1/stream': { scope: 'stream', probes: [{ method: 'GET', path: '/v1/stream?last_event_id=not-an-id' }] },
  'POST /admin/grants': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/grants': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'DELETE /admin/grants/:id': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/customers': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'GET /admin/customers/:ref': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'GET /admin/events': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'POST /admin/events/:id/replay': { scope: 'admin', readOnlyAdmin: 'refused' },
  'POST /admin/reconciliations': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/reconciliations/:id': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'GET /admin/audit': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'GET /admin/meters/parity': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'POST /admin/meters/parity/repair': { scope: 'admin', readOnlyAdmin: 'refused' },
  'POST /admin/webhook-endpoints': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/webhook-endpoints': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'GET /admin/webhook-endpoints/:id': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'PATCH /admin/webhook-endpoints/:id': { scope: 'admin', readOnlyAdmin: 'refused' },
  'DELETE /admin/webhook-endpoints/:id': { scope: 'admin', readOnlyAdmin: 'refused' },
  'POST /admin/webhook-endpoints/:id/rotate-secret': { scope: 'admin', readOnlyAdmin: 'refused' },
  'GET /admin/webhook-endpoints/:id/deliveries': { scope: 'admin', readOnlyAdmin: 'allowed' },
  'POST /admin/webhook-deliveries/:id/replay': { scope: 'admin', readOnlyAdmin: 'refused' },
  // Opening a session is how a read-only key looks at the dashboard.
  'POST /admin/session': { scope: 'admin', readOnlyAdmin: 'allowed' },
  // The console's pages (HTML); its forms also need the session's CSRF token (console-pages-response.test.ts).
  'USE /admin/console': {
    scope: 'admin',
    probes: [
      { method: 'GET', path: '/admin/console' },
      { method: 'GET', path: '/admin/console/events' },
      { method: 'GET', path: '/admin/console/reconciliations' },
      { method: 'GET', path: '/admin/console/revenue' },
    ],
  },
  'USE /admin/queues': {
    scope: 'admin',
    probes: [
      { method: 'GET', path: '/admin/queues' },
      { method: 'GET', path: '/admin/queues/api/queues' },
      { method: 'GET', path: '/admin/queues/static/favicon.ico' },
      { method: 'PUT', path: '/admin/queues/api/queues/events/pause' },
      { method: 'POST', path: '/admin/queues/api/queues/events/add' },
    ],
  },
};

/** A value for each path parameter, so a probe reaches the route (authentication runs first anyway). */
const parameterSamples: Record<string, string> = { ref: 'cus_matrix', feature: 'pro', id: randomUUID() };

interface RouteLike { path: unknown; methods: Record<string, boolean> }
interface LayerLike { route?: RouteLike; rawPath?: unknown; handle?: ((...args: unknown[]) => unknown) & { stack?: LayerLike[] } }

/**
 * Every `METHOD path` of an Express 5 router (router 2: a route is `layer.route`, a mounted router
 * is `layer.handle.stack` under `layer.rawPath`), plus `USE path` for a mounted non-router handler.
 * Error handlers (four arguments) and path-less middleware are not endpoints.
 */
function endpoints(stack: LayerLike[], base = ''): string[] {
  return stack.flatMap((layer): string[] => {
    if (typeof layer.rawPath !== 'string') throw new Error(`a route path that is not a string (${String(layer.rawPath)}): teach this walk about it`);
    const mount = layer.rawPath === '/' ? '' : layer.rawPath;
    if (layer.route) {
      if (typeof layer.route.path !== 'string') throw new Error(`a route path that is not a string (${String(layer.route.path)})`);
      const path = `${base}${layer.route.path}`;
      return Object.keys(layer.route.methods).filter((method) => method !== '_all').map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle?.stack) return endpoints(layer.handle.stack, `${base}${mount}`);
    if (mount && layer.handle?.length !== 4) return [`USE ${base}${mount}`];
    return [];
  });
}

function probesOf(endpoint: string, entry: Protected): { method: string; path: string }[] {
  if (entry.probes) return entry.probes;
  const [method, template] = endpoint.split(' ');
  const path = template.replace(/:(\w+)/g, (_match, name: string) => {
    const sample = parameterSamples[name];
    if (!sample) throw new Error(`no sample value for the path parameter :${name} (${endpoint}): add one to parameterSamples`);
    return sample;
  });
  return [{ method, path }];
}

const denied = (response: RawResponse) => response.status === 401 || response.status === 403;

test('the route tables list exactly the endpoints the router serves', async (t) => {
  const { api } = await startServices(t);
  const served = [...new Set(endpoints((createApp(api.context).router as unknown as { stack: LayerLike[] }).stack))].sort();
  t.true(served.includes('GET /v1/customers/:ref/entitlements') && served.includes('USE /admin/queues'), `the walk finds routes and mounts: ${served.join(', ')}`);
  t.deepEqual(served.filter((endpoint) => !publicRoutes.has(endpoint) && !(endpoint in protectedRoutes)), [], 'every served endpoint is public or has an expected scope');
  t.deepEqual([...publicRoutes, ...Object.keys(protectedRoutes)].filter((endpoint) => !served.includes(endpoint)), [], 'every listed endpoint is still served');
  t.deepEqual([...publicRoutes].filter((endpoint) => endpoint in protectedRoutes), [], 'no endpoint is both public and protected');
});

test('public endpoints answer without a key; every other one refuses none, a wrong scope and a revoked key, and admits its scope', async (t) => {
  const { api, url } = await startServices(t, { env: { API_KEY_CACHE_TTL_SECONDS: '0' } });
  const { db } = api.context;
  const client = rawClient(url, { maxSockets: 4 });
  t.teardown(() => client.close());
  const key = async (scope: KeyScope, options: { revoked?: boolean; readOnly?: boolean } = {}) => {
    const { key: secret, record } = await createKey(db, { name: `matrix-${scope}`, scope, readOnly: options.readOnly ?? false });
    if (options.revoked) t.true(await revokeKey(db, record.id));
    return secret;
  };
  const keys = { read: await key('read'), write: await key('write'), admin: await key('admin'), stream: await key('stream') };
  const revoked = {
    read: await key('read', { revoked: true }), write: await key('write', { revoked: true }), admin: await key('admin', { revoked: true }), stream: await key('stream', { revoked: true }),
  };
  const readOnlyAdmin = await key('admin', { readOnly: true });
  const wrongScopes: Record<KeyScope, KeyScope[]> = { read: ['write', 'stream'], write: ['read', 'stream'], admin: ['read', 'write', 'stream'], stream: ['read', 'write'] };

  const send = (probe: { method: string; path: string }, secret?: string) => client.send({
    method: probe.method, path: probe.path,
    headers: { 'content-type': 'application/json', ...(secret !== undefined && { authorization: `Bearer ${secret}` }) },
    ...(probe.method !== 'GET' && probe.method !== 'DELETE' && { body: '{}' }),
  });
  const served = [...new Set(endpoints((createApp(api.context).router as unknown as { stack: LayerLike[] }).stack))].sort();
  let checks = 0;

  for (const endpoint of served.filter((name) => publicRoutes.has(name))) {
    const [method, path] = endpoint.split(' ');
    const response = await send({ method, path });
    t.false(denied(response), `${endpoint} without a key: ${response.status}`);
    t.true(response.status < 500, `${endpoint} without a key: ${response.status}`);
    checks += 1;
  }

  for (const endpoint of served.filter((name) => name in protectedRoutes)) {
    const entry = protectedRoutes[endpoint];
    for (const probe of probesOf(endpoint, entry)) {
      const label = `${endpoint} as ${probe.method} ${probe.path}`;
      const none = await send(probe);
      t.is(none.status, 401, `${label} without a key`);
      t.is((await send(probe, 'bk_admin_unknownunknownunknownunknownunknown')).status, 401, `${label} with an unknown key`);
      for (const wrong of wrongScopes[entry.scope]) t.is((await send(probe, keys[wrong])).status, 403, `${label} with scope ${wrong}`);
      t.is((await send(probe, revoked[entry.scope])).status, 401, `${label} with a revoked ${entry.scope} key`);
      const right = await send(probe, keys[entry.scope]);
      t.false(denied(right), `${label} with scope ${entry.scope}: ${right.status} ${right.body.slice(0, 200)}`);
      t.true(right.status < 500, `${label} with scope ${entry.scope}: ${right.status} ${right.body.slice(0, 200)}`);
      if (entry.scope !== 'admin') {
        t.false(denied(await send(probe, keys.admin)), `${label}: an admin key may do what any scope may`);
      } else {
        // Bull Board: a read-only key may look (GET) and may not act; JSON routes follow their table entry.
        const readOnly = entry.readOnlyAdmin ?? (probe.method === 'GET' ? 'allowed' : 'refused');
        const asReadOnly = await send(probe, readOnlyAdmin);
        if (readOnly === 'refused') t.is(asReadOnly.status, 403, `${label} with a read-only admin key`);
        else t.false(denied(asReadOnly), `${label} with a read-only admin key: ${asReadOnly.status}`);
      }
      checks += 1;
    }
  }
  const expected = served.reduce((sum, endpoint) => sum + (publicRoutes.has(endpoint) ? 1 : probesOf(endpoint, protectedRoutes[endpoint]).length), 0);
  t.is(checks, expected, 'every endpoint was probed');
  t.true(checks >= 20, `${checks} probes`);
});

test('Bull Board: every probe with HTTP Basic and the session cookie as well as Bearer; a write with those needs the same origin', async (t) => {
  const { api, url } = await startServices(t, { env: { API_KEY_CACHE_TTL_SECONDS: '0' } });
  const { db } = api.context;
  const client = rawClient(url, { maxSockets: 4 });
  t.teardown(() => client.close());
  const admin = (await createKey(db, { name: 'matrix-admin', scope: 'admin' })).key;
  const read = (await createKey(db, { name: 'matrix-read', scope: 'read' })).key;
  const session = await client.send({ method: 'POST', path: '/admin/session', headers: { authorization: `Bearer ${admin}` } });
  const cookie = /billing_admin_session=[\w-]+/.exec(String(session.headers['set-cookie']))?.[0] ?? '';
  t.not(cookie, '');
  const basic = (secret: string) => `Basic ${Buffer.from(`admin:${secret}`).toString('base64')}`;
  const credentials: [string, Record<string, string>, 'admitted' | 401 | 403][] = [
    ['Basic admin', { authorization: basic(admin) }, 'admitted'],
    ['Basic read', { authorization: basic(read) }, 403],
    ['Basic unknown', { authorization: basic('bk_admin_unknownunknownunknownunknownunknown') }, 401],
    ['session cookie', { cookie }, 'admitted'],
    ['made-up session cookie', { cookie: 'billing_admin_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 401],
  ];
  const origins: [string, Record<string, string>, boolean][] = [
    ['same origin (Origin)', { origin: url }, true],
    ['same origin (Sec-Fetch-Site)', { 'sec-fetch-site': 'same-origin' }, true],
    ['no Origin, no Sec-Fetch-Site', {}, false],
    ['cross-site', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, false],
    ['foreign Origin', { origin: 'https://evil.example' }, false],
  ];
  let checks = 0;
  for (const probe of protectedRoutes['USE /admin/queues'].probes ?? []) {
    const write = probe.method !== 'GET';
    for (const [name, headers, expected] of credentials) {
      for (const [where, originHeaders, sameOrigin] of write ? origins : origins.slice(0, 1)) {
        const response = await client.send({
          method: probe.method, path: probe.path, headers: { 'content-type': 'application/json', ...headers, ...originHeaders },
          ...(write && { body: JSON.stringify({ name: 'x', data: { eventId: 'evt_matrix' } }) }),
        });
        const label = `${probe.method} ${probe.path} with ${name}, ${where}: ${response.status} ${response.body.slice(0, 120)}`;
        if (expected !== 'admitted') t.is(response.status, expected, label);
        else if (write && !sameOrigin) t.like(JSON.parse(response.body) as object, { error: { code: 'cross_origin_request' } }, label);
        else t.true(!denied(response) && response.status < 500, label);
        checks += 1;
      }
    }
  }
  t.true(checks >= 60, `${checks} probes`);
});
