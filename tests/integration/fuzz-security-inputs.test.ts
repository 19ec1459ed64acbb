import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import fc from 'fast-check';
import Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import type { Metrics } from '../../shared/infra/metrics.js';
import { webhookSecret } from '../support/config.js';
import { error, printable, randomBytes, sendCases, status, type FuzzCase } from '../support/fuzz.js';
import { rawClient } from '../support/raw-http.js';
import { jobTotal, serviceState, watchProcessFailures } from '../support/service-state.js';
import { startServices } from '../support/services.js';
import { partialRequest } from '../support/slow-request.js';

/**
 * The classes of the security findings, fuzzed: bearer strings of every length and alphabet,
 * user-chosen values that could become metric labels, cross-origin writes with ambient
 * credentials, and bodies that stop arriving. Loopback only, and bounded: a fixed number of
 * requests each, a give-up on every slow one; one test at a time, so no test's generator starves
 * another's server. No nock in this file: it holds a request until its body ends, which the
 * slow-body cases never do.
 */

const alphabets = {
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  hex: '0123456789abcdef',
  punctuation: '!#$%&\'*+-.^_`|~:;,/?@[]{}()<>="\\ ',
  latin1: Array.from({ length: 96 }, (_, index) => String.fromCharCode(0xa0 + index)).join(''),
};
/** Strings over an alphabet from seeded random bytes: cheap at 16 KB, where a per-character arbitrary is not. */
const fromAlphabet = (alphabet: string, maxLength: number) =>
  randomBytes({ maxLength }).map((bytes) => Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join(''));

/** Bearer strings: any printable or latin-1 run up to 16 KB, and near-misses of the key format. */
const bearers = fc.oneof(
  fc.constantFrom(...Object.values(alphabets)).chain((alphabet) => fromAlphabet(alphabet, 16_384)),
  fc.integer({ min: 0, max: 128 }).chain((length) => fromAlphabet(alphabets.base64url, length)).map((body) => `bk_read_${body}`),
  fc.tuple(fc.constantFrom('bk_admin_', 'bk_write_', 'bk_read_', 'bk_', 'BK_READ_'), fromAlphabet(alphabets.base64url, 64)).map(([prefix, body]) => `${prefix}${body}`),
);

/** Counts series per metric, leaving out the runtime's own (GC kinds and the like appear by themselves). */
async function seriesCount(metrics: Metrics): Promise<Record<string, number>> {
  const all = await metrics.registry.getMetricsAsJSON();
  return Object.fromEntries(all.filter((metric) => !/^(nodejs|process)_/.test(metric.name)).map((metric) => [metric.name, metric.values.length]));
}

/** A stand-in Stripe on loopback that knows no price: 404 for one, an empty list for a lookup key. */
async function emptyCatalogStripe(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const list = (req.url ?? '').startsWith('/v1/prices?');
    res.writeHead(list ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(list ? { object: 'list', data: [], has_more: false, url: '/v1/prices' } : { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such price' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

test.serial('bearer strings of every length and alphabet are 401s that change nothing and never evict a real key', async (t) => {
  const { api, url } = await startServices(t);
  const client = rawClient(url);
  const failures = watchProcessFailures();
  t.teardown(() => { failures.stop(); client.close(); });
  const { key } = await createKey(api.context.db, { name: 'fuzz-real', scope: 'read' });
  t.is((await client.send({ method: 'GET', path: '/v1/customers/cus_fuzz/entitlements', headers: { authorization: `Bearer ${key}` } })).status, 200);
  const before = await serviceState(api.context);
  const cases = bearers.map((bearer): FuzzCase => ({
    category: 'bearer', request: { method: 'GET', path: '/v1/customers/cus_fuzz/entitlements', headers: { authorization: `Bearer ${bearer}` } },
    // 431: the header is past Node's 16 KB limit, refused before the api sees it.
    expect: (response) => (response.status === 401 || response.status === 431 || (response.status === 400 && bearer.trim() === '') ? undefined : `status ${response.status}`),
  }));
  await sendCases(client, cases, { batchSize: 20, batches: 60 });
  let keyQueries = 0;
  const count = (query: { sql?: string }) => { if (query.sql?.includes('api_keys')) keyQueries += 1; };
  api.context.db.on('query', count);
  t.teardown(() => { api.context.db.off('query', count); });
  t.is((await client.send({ method: 'GET', path: '/v1/customers/cus_fuzz/entitlements', headers: { authorization: `Bearer ${key}` } })).status, 200);
  t.is(keyQueries, 0, 'the real key is still cached');
  t.deepEqual(await serviceState(api.context), before, 'no row, job or Redis key changed');
  t.deepEqual(failures.failures(), []);
});

test.serial('label-shaped user input (prices, lookup keys, refs, paths, event types) adds no metric series', async (t) => {
  const stripeApi = await emptyCatalogStripe();
  // The api's Stripe calls share a rate limit; lifted here, where only the labels are under test.
  const { api, url } = await startServices(t, { env: { STRIPE_API_BASE: stripeApi.url, STRIPE_RATE_LIMIT_PER_SECOND: '1000', STRIPE_API_RATE_SHARE: '0.95' } });
  const client = rawClient(url);
  t.teardown(async () => { client.close(); await stripeApi.close(); });
  const { key } = await createKey(api.context.db, { name: 'fuzz-labels', scope: 'write' });
  const reader = (await createKey(api.context.db, { name: 'fuzz-labels-read', scope: 'read' })).key;
  const stripe = new Stripe('sk_test_123');
  const labelish = fc.stringMatching(/^[\w.:@|+-]{1,60}$/);
  const checkout = (field: 'price' | 'lookup_key', value: string) => JSON.stringify({ user_id: 'user_fuzz', [field]: value, success_url: 'https://app.example/ok', cancel_url: 'https://app.example/no' });
  const json = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const cases = fc.oneof(
    labelish.filter((value) => /^[\w.-]+$/.test(value)).map((value): FuzzCase => ({ category: 'price', request: { method: 'POST', path: '/v1/checkout/sessions', headers: json, body: checkout('price', value) }, expect: error(400, 'unknown_price') })),
    labelish.map((value): FuzzCase => ({ category: 'lookup key', request: { method: 'POST', path: '/v1/checkout/sessions', headers: json, body: checkout('lookup_key', value) }, expect: error(400, 'unknown_price') })),
    labelish.map((value): FuzzCase => ({ category: 'ref', request: { method: 'GET', path: `/v1/customers/${encodeURIComponent(value)}/entitlements`, headers: { authorization: `Bearer ${reader}` } }, expect: status(200, 400) })),
    labelish.map((value): FuzzCase => ({ category: 'path', request: { method: 'GET', path: `/x/${encodeURIComponent(value)}` }, expect: error(404, 'route_not_found') })),
    labelish.map((value): FuzzCase => {
      const payload = JSON.stringify({ id: `evt_${Buffer.from(value).toString('hex').slice(0, 40)}${Math.random().toString(36).slice(2)}`, object: 'event', type: value, created: Math.floor(Date.now() / 1000), livemode: false, data: { object: {} } });
      return { category: 'event type', request: { method: 'POST', path: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) }, body: payload }, expect: status(200) };
    }),
  );
  // A warm-up of each kind, so every label value the service can produce legitimately already exists.
  await sendCases(client, cases, { batchSize: 25, batches: 4 });
  const before = await seriesCount(api.context.metrics);
  await sendCases(client, cases, { batchSize: 25, batches: 24 });
  const after = await seriesCount(api.context.metrics);
  // About 600 distinct values went in. A label taken from them would add hundreds of series; a
  // fixed label combination seen for the first time (a cache tier's hit, say) adds a handful.
  t.deepEqual(Object.keys(after).filter((name) => (after[name] ?? 0) - (before[name] ?? 0) > 4).map((name) => `${name}: ${before[name]} → ${after[name]}`), []);
  t.deepEqual((await api.context.metrics.stripeCalls.get()).values.map((value) => value.labels.endpoint).sort(), ['GET /v1/prices', 'GET /v1/prices/:id']);
});

test.serial('cross-origin writes with the session cookie or Basic credentials are refused and change nothing', async (t) => {
  const { api, url } = await startServices(t);
  const client = rawClient(url);
  t.teardown(() => client.close());
  const { key } = await createKey(api.context.db, { name: 'fuzz-admin', scope: 'admin' });
  const session = await client.send({ method: 'POST', path: '/admin/session', headers: { authorization: `Bearer ${key}` } });
  const cookie = /billing_admin_session=[\w-]+/.exec(String(session.headers['set-cookie']))?.[0] ?? '';
  const before = await serviceState(api.context);
  const credentials = fc.constantFrom<Record<string, string>>({ cookie }, { authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` });
  const foreign = fc.oneof(
    fc.constantFrom('cross-site', 'same-site').map((site) => ({ 'sec-fetch-site': site })),
    fc.webUrl().map((address) => ({ origin: new URL(address).origin })).filter(({ origin }) => origin !== url),
    printable(40, 1).map((origin) => ({ origin })).filter(({ origin }) => origin !== url),
    fc.constant({}),
  );
  const writes = fc.constantFrom(
    ['POST', '/admin/queues/api/queues/events/add'], ['PUT', '/admin/queues/api/queues/events/pause'], ['PUT', '/admin/queues/api/queues/pause'],
    ['PUT', '/admin/queues/api/queues/sync/clean/failed'], ['PUT', '/admin/queues/api/queues/events/obliterate'], ['DELETE', '/admin/session'],
  );
  const types = fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json');
  // Logging out is authenticated by the cookie alone (Basic credentials do not name a session).
  const cases = fc.tuple(writes, credentials, foreign, types, printable(200)).map(([[method, path], given, origin, type, body]): FuzzCase => ({
    category: `${method} ${path.split('/').slice(-1)[0]}`, request: { method, path, headers: { ...(path === '/admin/session' ? { cookie } : given), ...origin, 'content-type': type }, body },
    expect: error(403, 'cross_origin_request'),
  }));
  await sendCases(client, cases, { batchSize: 20, batches: 30 });
  t.deepEqual(await serviceState(api.context), before, 'no job, queue state, session or row changed');
  t.is(jobTotal(await serviceState(api.context)), 0);
  t.is((await client.send({ method: 'GET', path: '/admin/queues/api/queues', headers: { cookie } })).status, 200, 'the session still works');
});

test.serial('webhook bodies that stop arriving are answered (400 or 408), never held; the api keeps answering', async (t) => {
  const { url, api } = await startServices(t, { env: { WEBHOOK_BODY_TIMEOUT_MS: '300' } });
  const stripe = new Stripe('sk_test_123');
  const signature = fc.oneof(
    fc.constant(undefined),
    printable(200),
    fc.integer({ min: -7200, max: 7200 }).map((skew) => stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: webhookSecret, timestamp: Math.floor(Date.now() / 1000) + skew })),
  );
  const requests = fc.tuple(signature, fc.integer({ min: 1, max: 2 * 1024 * 1024 }), fc.integer({ min: 0, max: 1024 }));
  // Bounded: 40 slow requests, 10 at a time, each given up after 5 s.
  const samples = fc.sample(requests, { numRuns: 40, seed: 18 });
  const statuses: number[] = [];
  for (let start = 0; start < samples.length; start += 10) {
    const answers = await Promise.all(samples.slice(start, start + 10).map(([header, contentLength, sent]) => partialRequest(url, {
      path: '/webhooks/stripe', headers: { 'content-type': 'application/json', ...(header !== undefined && { 'stripe-signature': header }) },
      contentLength, sendBytes: Math.min(sent, contentLength - 1), giveUpMs: 5000,
    })));
    statuses.push(...answers.map((answer) => answer.status));
  }
  t.true(statuses.every((code) => code === 400 || code === 408), statuses.join(','));
  t.true(statuses.includes(400) && statuses.includes(408), 'both early refusals and body deadlines were exercised');
  t.is(await api.context.db('stripe_events').count<{ count: string }[]>({ count: '*' }).then(([row]) => Number(row?.count)), 0);
  t.is((await fetch(`${url}/healthz`)).status, 200);
});
