import test from 'ava';
import fc from 'fast-check';
import Stripe from 'stripe';
import { eventFamilies } from '../../shared/events/event-types.js';
import { stripeApiVersion } from '../../shared/infra/stripe.js';
import { webhookSecret } from '../support/config.js';
import { error, errorCode, printable, randomBytes, sendCases, status, type FuzzCase as Case } from '../support/fuzz.js';
import { rawClient, type RawRequest } from '../support/raw-http.js';
import { jobTotal, serviceState, watchProcessFailures } from '../support/service-state.js';
import { startServices } from '../support/services.js';
import { stripeTripwire } from '../support/stripe-tripwire.js';

/**
 * Thousands of malformed deliveries to POST /webhooks/stripe: random bytes, near-valid JSON, valid
 * events under wrong, expired or missing signatures, and correctly signed bodies that are not Stripe
 * events. Every one must be refused with the expected 4xx and leave no trace: no inbox row, no job,
 * no Redis key, no unhandled rejection. (A correctly signed valid event is a state change, so none
 * is generated here; webhook-responses.test.ts covers those.)
 */

const maxBytes = 4096;
const batchSize = 25;
const batches = 200;
const stripe = new Stripe('sk_test_123');
const handledTypes = Object.values(eventFamilies).flat();

const refusedSignature = error(400, 'missing_signature', 'invalid_signature');
const now = () => Math.floor(Date.now() / 1000);
const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? webhookSecret, timestamp: options.timestamp ?? now() });
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', '*/*');
const post = (body: Buffer | string, headers: Record<string, string>): RawRequest => ({ method: 'POST', path: '/webhooks/stripe', body, headers });
const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** Only what JSON.parse refuses gets `invalid_json`; anything it accepts is not an event. */
function envelopeCode(body: string): string {
  try {
    JSON.parse(body);
    return 'invalid_event';
  } catch {
    return 'invalid_json';
  }
}

// Events are built here rather than with tests/support/webhooks.ts, which loads nock: nock's
// interceptor would read (and try to decompress) every request this test sends.
const eventId = fc.stringMatching(/^evt_[A-Za-z0-9]{14}$/);
const snapshotEvent = fc.tuple(eventId, fc.constantFrom(...handledTypes)).map(([id, type]) => ({
  id, object: 'event', type, api_version: stripeApiVersion, created: now(), livemode: false, pending_webhooks: 1,
  request: { id: null, idempotency_key: null }, data: { object: { id: 'sub_fuzz', object: 'subscription', status: 'active' } },
}));
const thinEvent = fc.tuple(eventId, fc.constantFrom(...handledTypes)).map(([id, type]) => ({
  id, object: 'v2.core.event', type: `v1.${type}`, created: new Date().toISOString(), livemode: false, related_object: { id: 'sub_fuzz', type: 'subscription' },
}));

type Envelope = Record<string, unknown>;
const set = (field: string, values: fc.Arbitrary<unknown>) => values.map((value) => (event: Envelope) => ({ ...event, [field]: value }));
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));

/** One change that certainly makes a snapshot event fail the envelope schema. */
const breakSnapshot: fc.Arbitrary<(event: Envelope) => Envelope> = fc.oneof(
  fc.constantFrom('id', 'object', 'type', 'created', 'livemode', 'data').map((field) => (event: Envelope) => Object.fromEntries(Object.entries(event).filter(([key]) => key !== field))),
  set('id', fc.oneof(notString, printable().filter((id) => !/^evt_\w+$/.test(id)), fc.constant(`evt_${'a'.repeat(252)}`))),
  set('object', fc.oneof(notString, printable().filter((object) => object !== 'event' && object !== 'v2.core.event'))),
  set('type', fc.oneof(notString, fc.constant(''), fc.constant('t'.repeat(256)))),
  set('created', fc.oneof(fc.integer({ max: -1 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)), printable(), fc.constant(null))),
  set('livemode', fc.oneof(fc.integer(), printable(), fc.constant(null))),
  set('api_version', fc.oneof(fc.integer(), fc.boolean(), fc.constant('v'.repeat(65)))),
  set('data', fc.oneof(notString, printable(), fc.constant({}))),
  fc.oneof(notString, printable()).map((object) => (event: Envelope) => ({ ...event, data: { object } })),
);

/** One change that certainly makes a thin event fail the envelope schema. */
const breakThin: fc.Arbitrary<(event: Envelope) => Envelope> = fc.oneof(
  set('type', fc.oneof(notString, printable().filter((type) => !/^v1\.[\w.]+$/.test(type)))),
  set('created', fc.oneof(fc.integer(), printable().filter((text) => !/^\d{4}-/.test(text)))),
  set('related_object', fc.oneof(notString, fc.constant({ id: '', type: 'subscription' }), fc.constant({ id: 'sub_1' }))),
  set('id', fc.oneof(notString, printable().filter((id) => !/^evt_\w+$/.test(id)))),
);

/** Near-valid JSON: a real event's text with one byte dropped, changed or added, or cut short. */
const nearValidJson = fc.tuple(snapshotEvent, fc.nat(), printable(3), fc.constantFrom('drop', 'replace', 'insert', 'truncate')).map(([event, at, text, edit]) => {
  const json = JSON.stringify(event);
  const index = at % json.length;
  if (edit === 'drop') return json.slice(0, index) + json.slice(index + 1);
  if (edit === 'replace') return json.slice(0, index) + (text || '#') + json.slice(index + 1);
  if (edit === 'insert') return json.slice(0, index) + text + json.slice(index);
  return json.slice(0, index);
});

/** Signature headers that do not verify the body they come with (or no header at all). */
const badSignature = (body: string): fc.Arbitrary<Record<string, string>> => fc.oneof(
  fc.constant({}),
  printable(120).map((header) => ({ 'stripe-signature': header })),
  fc.constant({ 'stripe-signature': sign(body, { secret: 'whsec_some_other_endpoint' }) }),
  fc.integer({ min: 301, max: 10 * 365 * 86_400 }).map((age) => ({ 'stripe-signature': sign(body, { timestamp: now() - age }) })),
  // Dated in the future beyond the 5 minutes of clock skew allowed.
  fc.integer({ min: 310, max: 10 * 365 * 86_400 }).map((ahead) => ({ 'stripe-signature': sign(body, { timestamp: now() + ahead }) })),
  fc.constant({ 'stripe-signature': sign(`${body} `) }),
  fc.constant({ 'stripe-signature': sign(body).replace(/v1=/, 'v0=') }),
  fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => ({ 'stripe-signature': `t=${now()},v1=${hex}` })),
);

const cases: fc.Arbitrary<Case> = fc.oneof(
  // Random bytes under random or missing signatures.
  fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 32 }), randomBytes({ maxLength: 2000 })), contentType).chain(([bytes, type]) => badSignature(utf8(bytes)).map((headers): Case => ({
    category: 'random bytes, bad signature', request: post(Buffer.from(bytes), { 'content-type': type, ...headers }), expect: refusedSignature,
  }))),
  // Near-valid and valid JSON under wrong, expired, tampered or missing signatures.
  fc.oneof(nearValidJson, snapshotEvent.map((event) => JSON.stringify(event)), thinEvent.map((event) => JSON.stringify(event))).chain((body) => badSignature(body).map((headers): Case => ({
    category: 'JSON, bad signature', request: post(body, { 'content-type': 'application/json', ...headers }), expect: refusedSignature,
  }))),
  // Correctly signed bodies that are not JSON, or not a Stripe event.
  fc.oneof(
    fc.oneof(fc.uint8Array({ maxLength: 32 }), randomBytes({ maxLength: 2000 })).map(utf8),
    // Only near-valid text JSON.parse refuses: an edit inside a string value can leave a valid event.
    nearValidJson.filter((text) => envelopeCode(text) === 'invalid_json'),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)).filter((text) => !/"object":\s*"(event|v2\.core\.event)"/.test(text)),
  // Within the tolerance either way: 5 minutes, less a margin for the time a batch takes.
  ).chain((body) => fc.integer({ min: -200, max: 200 }).map((skew): Case => ({
    category: 'signed, not an event', request: post(body, { 'content-type': 'application/json', 'stripe-signature': sign(body, { timestamp: now() + skew }) }),
    expect: error(400, envelopeCode(body)),
  }))),
  // Correctly signed events with one field broken.
  fc.oneof(fc.tuple(snapshotEvent, breakSnapshot), fc.tuple(thinEvent, breakThin)).map(([event, broken]): Case => {
    const body = JSON.stringify(broken(event));
    return { category: 'signed, malformed envelope', request: post(body, { 'content-type': 'application/json', 'stripe-signature': sign(body) }), expect: error(400, 'invalid_event') };
  }),
  // Bodies past WEBHOOK_MAX_BYTES, bodies in an encoding that is not one, other methods and paths.
  randomBytes({ minLength: maxBytes + 1, maxLength: maxBytes * 2 }).map((bytes): Case => ({
    category: 'too large', request: post(Buffer.from(bytes), { 'content-type': 'application/json', 'stripe-signature': sign(utf8(bytes)) }), expect: error(413, 'payload_too_large'),
  })),
  fc.tuple(randomBytes({ minLength: 1, maxLength: 500 }), fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'x-unknown', 'gzip, gzip')).map(([bytes, encoding]): Case => ({
    category: 'bad content-encoding', request: post(Buffer.from(bytes), { 'content-type': 'application/json', 'content-encoding': encoding, 'stripe-signature': sign(utf8(bytes)) }),
    // Some random bytes are a valid brotli stream, and then the handler refuses what they decode to.
    expect: status(400, 415),
  })),
  fc.tuple(fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE'), randomBytes({ maxLength: 200 })).map(([method, bytes]): Case => ({
    category: 'other method', request: { method, path: '/webhooks/stripe', body: Buffer.from(bytes), headers: { 'stripe-signature': sign(utf8(bytes)) } }, expect: error(404, 'route_not_found'),
  })),
  fc.stringMatching(/^[\w.~-]{1,40}$/).filter((segment) => segment !== 'stripe').map((segment): Case => ({
    category: 'other path', request: { ...post('{}', { 'content-type': 'application/json', 'stripe-signature': sign('{}') }), path: `/webhooks/${segment}` }, expect: error(404, 'route_not_found'),
  })),
);

const handlerCodes = new Set(['missing_signature', 'invalid_signature', 'invalid_json', 'invalid_event']);

test('malformed, unsigned and mis-signed webhook deliveries are all refused with a 4xx and change nothing', async (t) => {
  const stripeApi = await stripeTripwire();
  const { api, url } = await startServices(t, { env: { WEBHOOK_MAX_BYTES: String(maxBytes), STRIPE_API_BASE: stripeApi.url } });
  const client = rawClient(url);
  const failures = watchProcessFailures();
  t.teardown(async () => {
    failures.stop();
    client.close();
    await stripeApi.close();
  });
  const rejectedMetric = async () => (await api.context.metrics.webhookEvents.get()).values
    .filter((value) => value.labels.outcome === 'rejected').reduce((sum, value) => sum + value.value, 0);
  const before = await serviceState(api.context);
  const rejectedBefore = await rejectedMetric();
  let handled = 0;
  const categories = await sendCases(client, cases, {
    batchSize, batches, seen: (_item, response) => { if (handlerCodes.has(errorCode(response))) handled += 1; },
  });

  const after = await serviceState(api.context);
  t.deepEqual(after, before, 'no inbox row, job or Redis key appeared');
  t.is(after.rows.stripe_events, 0);
  t.is(jobTotal(after), 0, 'every queue is empty');
  t.deepEqual(failures.failures(), [], 'no unhandled rejection or uncaught exception');
  t.deepEqual(stripeApi.calls(), [], 'no call to Stripe');
  t.is(await rejectedMetric() - rejectedBefore, handled, 'every refusal the handler saw is counted as rejected');
  t.is((await client.send({ method: 'GET', path: '/healthz' })).status, 200, 'the api still answers');
  t.is(client.sent(), batchSize * batches + 1);
  t.true(client.sent() >= 5000, `${client.sent()} requests`);
  for (const category of ['random bytes, bad signature', 'JSON, bad signature', 'signed, not an event', 'signed, malformed envelope', 'too large', 'bad content-encoding', 'other method', 'other path']) {
    t.true((categories.get(category) ?? 0) >= 100, `${category}: ${categories.get(category) ?? 0} requests`);
  }
  t.log([...categories].map(([category, count]) => `${category}: ${count}`).join('; '));
});
