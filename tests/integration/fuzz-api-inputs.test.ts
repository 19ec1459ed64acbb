import { randomUUID } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { createKey } from '../../shared/api-keys.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { error, errorCode, printable, randomBytes, sendCases, status, type FuzzCase as Case, type Oracle } from '../support/fuzz.js';
import { rawClient } from '../support/raw-http.js';
import { jobTotal, serviceState, watchProcessFailures } from '../support/service-state.js';
import { startServices } from '../support/services.js';
import { stripeTripwire } from '../support/stripe-tripwire.js';
import { seedEvent } from './admin-fixtures.js';
import { seedCustomer } from './entitlements-fixtures.js';

/**
 * Thousands of hostile requests to the keyed api: entitlement reads with odd references, checkout
 * and portal bodies that are almost right, admin queries, ids and bodies that are wrong, and keys
 * that are missing, unknown or of the wrong scope. Each answer must be the expected 4xx (or, for a
 * well-formed read, a 200), never a 5xx; afterwards no row, job or Redis key (other than read-cache
 * entries) has changed, Stripe was never called, and nothing was left unhandled.
 */

const batchSize = 25;
// Enough that every category, the rarest included since the stream and version cases joined, gets its 40 requests.
const batches = 350;

/** A path segment as a client might send it: percent-encoded text, or raw URL characters (a stray `%` included). */
const segment = fc.oneof(
  printable(80, 1).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@%]{1,40}$/),
  fc.stringMatching(/^[\w.:@|+-]{1,60}$/),
  fc.stringMatching(/^cus_[A-Za-z0-9]{1,20}$/),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', '%FF', '..', '.', '%2F', '%00', `u${'x'.repeat(200)}`),
);
/** What the router makes of a segment: the decoded text, or undefined when the encoding is broken. */
function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
// The read-your-writes parameters have cases of their own (a valid min_version may wait 5 s).
const query = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?[\]]{0,80}$/).filter((text) => !/min_version|wait_ms/.test(text)).map((text) => `?${text}`));

// The documented contract of references and feature names (OpenAPI document and 400 messages).
const isRef = (ref: string) => /^cus_[A-Za-z0-9]+$/.test(ref) || /^[\w.:@|+-]{1,200}$/.test(ref);
const isFeature = (feature: string) => /^[\w.:@+-]{1,200}$/.test(feature);

interface Keys { read: string; write: string; admin: string; stream: string }
interface Auth { headers: Record<string, string>; refused?: 401 | 403 }

/** Mostly the right key; otherwise none, a garbage header, an unknown key, or a key of another scope. */
const auth = (right: string, wrong: string[], weight = 6): fc.Arbitrary<Auth> => fc.oneof(
  { weight, arbitrary: fc.constant({ headers: { authorization: `Bearer ${right}` } }) },
  fc.constant({ headers: {}, refused: 401 as const }),
  printable(80).map((header) => ({ headers: { authorization: header }, refused: 401 as const })),
  fc.stringMatching(/^bk_(read|write|admin)_[A-Za-z0-9_-]{8,48}$/).map((key) => ({ headers: { authorization: `Bearer ${key}` }, refused: 401 as const })),
  fc.constantFrom(...wrong).map((key) => ({ headers: { authorization: `Bearer ${key}` }, refused: 403 as const })),
);
const refusedOr = (given: Auth, otherwise: Oracle): Oracle => (given.refused ? error(given.refused, given.refused === 401 ? 'unauthorized' : 'forbidden') : otherwise);

type Body = Record<string, unknown>;
const without = (body: Body, field: string) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== field));
const put = (field: string, values: fc.Arbitrary<unknown>) => values.map((value) => (body: Body) => ({ ...body, [field]: value }));
const drop = (...fields: string[]) => fc.constantFrom(...fields).map((field) => (body: Body) => without(body, field));
const unknownField = (known: string[]) => fc.tuple(fc.stringMatching(/^[a-z_]{1,20}$/).filter((key) => !known.includes(key)), fc.jsonValue({ maxDepth: 1 }))
  .map(([key, value]) => (body: Body) => ({ ...body, [key]: value }));
const badUrl = fc.oneof(fc.constantFrom('/relative', 'javascript:alert(1)', 'ftp://files.example/x', '', 'https://', 'mailto:a@b.c'), fc.constant(`https://app.example/${'p'.repeat(2050)}`), fc.integer());
const badUserId = fc.oneof(fc.constantFrom('', 'a b', 'x/y', 'ü', `u${'x'.repeat(200)}`), fc.integer(), fc.constant(null));

const checkoutFields = ['user_id', 'price', 'lookup_key', 'quantity', 'success_url', 'cancel_url', 'email', 'trial_days', 'payment_method_collection', 'currency', 'allow_promotion_codes'];
const checkoutBody = fc.record({
  user_id: fc.stringMatching(/^[\w.:@|+-]{1,40}$/),
  price: fc.stringMatching(/^price_[A-Za-z0-9]{1,24}$/),
  quantity: fc.integer({ min: 1, max: 1000 }),
  success_url: fc.stringMatching(/^[a-z0-9]{1,12}$/).map((page) => `https://app.example/${page}?session={CHECKOUT_SESSION_ID}`),
  cancel_url: fc.constant('https://app.example/cancel'),
});
/** One change that certainly makes a checkout request invalid. */
const breakCheckout: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  unknownField(checkoutFields),
  drop('user_id', 'price', 'success_url', 'cancel_url'),
  put('user_id', badUserId),
  put('price', fc.oneof(fc.constantFrom('', 'price 1', 'price_1/../x', `p${'x'.repeat(255)}`), fc.integer())),
  put('lookup_key', fc.stringMatching(/^[a-z_]{1,20}$/)),
  fc.oneof(fc.constantFrom('', 'a\u0001b', `k${'x'.repeat(200)}`), fc.integer()).map((key) => (body: Body) => ({ ...without(body, 'price'), lookup_key: key })),
  put('quantity', fc.oneof(fc.constantFrom(0, -1, 1.5, 1001, '2', null, true))),
  put('success_url', badUrl),
  put('cancel_url', badUrl),
  put('email', fc.oneof(fc.constantFrom('not-an-email', '@', 'a@'), fc.integer())),
  put('trial_days', fc.constantFrom(0, 731, 1.5, 'x', -3)),
  put('payment_method_collection', fc.oneof(fc.constantFrom('never', 'IF_REQUIRED', '', null, true), fc.integer())),
  put('currency', fc.oneof(fc.constantFrom('', 'eu', 'euro', 'e1r', '€€€', null), fc.integer())),
  put('allow_promotion_codes', fc.constantFrom('yes', 1, null, 'true')),
);

const portalBody = fc.oneof(
  fc.stringMatching(/^[\w.:@|+-]{1,40}$/).map((user) => ({ user_id: user, return_url: 'https://app.example/account' })),
  fc.stringMatching(/^cus_[A-Za-z0-9]{1,20}$/).map((customer) => ({ customer, return_url: 'https://app.example/account' })),
);
const breakPortal: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  unknownField(['user_id', 'customer', 'return_url']),
  drop('return_url'),
  fc.constant((body: Body) => ({ ...body, user_id: 'both_given', customer: 'cus_both' })),
  fc.constant((body: Body) => without(without(body, 'user_id'), 'customer')),
  put('return_url', badUrl),
  fc.oneof(fc.constantFrom('', 'cus_', 'cus_a-b', 'acct_1', 'cus_ü'), fc.integer()).map((customer) => (body: Body) => ({ ...without(body, 'user_id'), customer })),
  badUserId.map((user) => (body: Body) => ({ ...without(body, 'customer'), user_id: user })),
);

const usageBody: fc.Arbitrary<Body> = fc.record({
  feature: fc.constantFrom('api_calls', 'tokens'), amount: fc.integer({ min: 1, max: 1000 }), idempotency_key: fc.stringMatching(/^[\w-]{1,40}$/),
});
const breakUsage: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  unknownField(['feature', 'amount', 'idempotency_key', 'occurred_at', 'properties', 'ttl_seconds']),
  drop('feature', 'amount', 'idempotency_key'),
  put('amount', fc.oneof(fc.constantFrom(0, -1, 1.5, '1', null, 2 ** 60), fc.integer({ max: 0 }))),
  put('feature', fc.constantFrom('', 'a b', 'ü', 7, null)),
  put('occurred_at', fc.constantFrom('yesterday', '2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 5)),
  put('properties', fc.constantFrom([], 'x', { nested: { deep: true } })),
);

/** Near-valid reservation bodies, and commits or releases of reservations that do not exist. */
const reservationCases = (keys: Keys, ref: string): fc.Arbitrary<Case> => fc.oneof(
  fc.tuple(auth(keys.write, [keys.read]), usageBody, breakUsage, fc.oneof(fc.integer({ min: 1, max: 86_400 }), fc.constantFrom(0, 86_401, 1.5, '60'))).map(([given, body, change, ttl]): Case => ({
    category: 'POST reservations, invalid body',
    request: { method: 'POST', path: `/v1/customers/${ref}/reservations`, headers: { ...given.headers, 'content-type': 'application/json' }, body: JSON.stringify(change({ ...body, ttl_seconds: ttl })) },
    expect: refusedOr(given, error(400, 'invalid_request_body')),
  })),
  fc.tuple(auth(keys.write, [keys.read]), fc.oneof(fc.uuid(), fc.stringMatching(/^[\w-]{1,40}$/)), fc.boolean()).map(([given, id, commit]): Case => ({
    category: 'POST reservation settle, unknown id',
    request: { method: 'POST', path: `/v1/reservations/${id}/${commit ? 'commit' : 'release'}`, headers: { ...given.headers, 'content-type': 'application/json' }, ...(commit && { body: '{"amount":1}' }) },
    expect: refusedOr(given, error(404, 'reservation_not_found')),
  })),
);

const planBody = fc.record({ price: fc.stringMatching(/^price_[A-Za-z0-9]{1,24}$/), quantity: fc.integer({ min: 1, max: 1000 }) });
/** One change that certainly makes a plan change request invalid. */
const breakPlan: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  unknownField(['subscription', 'price', 'lookup_key', 'quantity', 'proration_date', 'proration_behavior', 'apply']),
  drop('price'),
  fc.stringMatching(/^[a-z_]{1,20}$/).map((key) => (body: Body) => ({ ...body, lookup_key: key })),
  put('price', fc.oneof(fc.constantFrom('', 'price 1', `p${'x'.repeat(255)}`), fc.integer())),
  put('quantity', fc.constantFrom(0, -1, 1.5, '2', null, true)),
  put('proration_date', fc.constantFrom(-1, 1.5, 'now', 99, 1e12)),
  put('proration_behavior', fc.constantFrom('', 'sometimes', 1)),
  put('apply', fc.constantFrom('later', '', null)),
  put('subscription', fc.constantFrom('', 'sub_', 'cus_1', 'sub_a-b', 7)),
);

/** Bodies that reach the JSON parser in a shape it or the schema must refuse (anything but a valid request). */
const hostileBody = (valid: fc.Arbitrary<Body>, broken: fc.Arbitrary<(body: Body) => Body>) => fc.oneof(
  { weight: 5, arbitrary: fc.tuple(valid, broken).map(([body, change]) => ({ kind: 'near-valid', type: 'application/json', body: JSON.stringify(change(body)), expect: error(400, 'invalid_request_body') })) },
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'random JSON', type: 'application/json', body: JSON.stringify(value), expect: status(400) })),
  randomBytes({ maxLength: 600 }).map((bytes) => ({ kind: 'random bytes', type: 'application/json', body: bytes, expect: status(400) })),
  fc.tuple(valid, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', ''))
    .map(([body, type]) => ({ kind: 'not JSON content', type, body: JSON.stringify(body), expect: error(400, 'invalid_request_body') })),
  fc.tuple(valid, broken, fc.constantFrom('latin1', 'iso-8859-1', 'ascii', 'koi8-r', 'utf-7', 'x-garbage'))
    .map(([body, change, charset]) => ({ kind: 'charset', type: `application/json; charset=${charset}`, body: JSON.stringify(change(body)), expect: status(400, 415) })),
  fc.tuple(randomBytes({ minLength: 1, maxLength: 300 }), fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown'))
    .map(([bytes, encoding]) => ({ kind: 'content-encoding', type: 'application/json', encoding, body: bytes, expect: status(400, 415) })),
  fc.integer({ min: 103_000, max: 140_000 }).map((size) => ({ kind: 'too large', type: 'application/json', body: JSON.stringify({ user_id: "u", padding: "x".repeat(size) }), expect: error(413, 'payload_too_large') })),
);

const sessionCases = (path: string, keys: Keys, valid: fc.Arbitrary<Body>, broken: fc.Arbitrary<(body: Body) => Body>): fc.Arbitrary<Case> =>
  fc.tuple(auth(keys.write, [keys.read]), hostileBody(valid, broken), fc.option(printable(80), { nil: undefined })).map(([given, item, idempotencyKey]): Case => ({
    category: `POST ${path}: ${item.kind}`,
    request: {
      method: 'POST', path, body: item.body,
      headers: { ...given.headers, ...(item.type && { 'content-type': item.type }), ...('encoding' in item && { 'content-encoding': item.encoding }), ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }) },
    },
    expect: refusedOr(given, item.expect),
  }));

function entitlementCases(keys: Keys): fc.Arbitrary<Case> {
  return fc.tuple(auth(keys.read, [keys.write]), fc.boolean(), segment, segment, query, fc.constantFrom(undefined, '*', 'W/"x"', 'garbage')).map(([given, byFeature, ref, feature, search, ifNoneMatch]): Case => {
    const path = `/v1/customers/${ref}/entitlements${byFeature ? `/${feature}` : ''}${search}`;
    const decodedRef = decoded(ref);
    const decodedFeature = byFeature ? decoded(feature) : 'unused';
    const expect: Oracle = decodedRef === undefined || decodedFeature === undefined
      ? error(400, 'invalid_path_encoding') // the router decodes parameters before any handler runs
      : refusedOr(given, !isRef(decodedRef) ? error(400, 'invalid_ref') : byFeature && !isFeature(decodedFeature) ? error(400, 'invalid_feature') : status(ifNoneMatch === '*' ? 304 : 200));
    return { category: 'GET entitlements', request: { method: 'GET', path, headers: { ...given.headers, ...(ifNoneMatch && { 'if-none-match': ifNoneMatch }) } }, expect };
  });
}

/** Text that is not a whole number of at most 16 digits (what min_version and wait_ms accept). */
const notWholeNumber = fc.oneof(fc.constantFrom('-1', 'x', '1.5', '', '1e3', '0x10', '99999999999999999', '%20', '1%00'), printable(12).map(encodeURIComponent))
  .filter((text) => !/^\d{1,16}$/.test(decoded(text) ?? ''));

function versionWaitCases(keys: Keys, ref: string): fc.Arbitrary<Case> {
  return fc.tuple(auth(keys.read, [keys.write, keys.stream]), fc.oneof(
    notWholeNumber.map((bad) => ({ search: `min_version=${bad}`, expect: error(400, 'invalid_query') })),
    fc.tuple(fc.nat(), notWholeNumber).map(([version, bad]) => ({ search: `min_version=${version}&wait_ms=${bad}`, expect: error(400, 'invalid_query') })),
    fc.integer({ min: 5001, max: 10_000_000 }).map((wait) => ({ search: `min_version=0&wait_ms=${wait}`, expect: error(400, 'invalid_query') })),
    fc.integer({ min: 0, max: 5000 }).map((wait) => ({ search: `min_version=0&wait_ms=${wait}`, expect: status(200) })),
  )).map(([given, item]): Case => ({
    category: 'GET entitlements with min_version',
    request: { method: 'GET', path: `/v1/customers/${ref}/entitlements?${item.search}`, headers: given.headers },
    expect: refusedOr(given, item.expect),
  }));
}

/** Stream requests that must be refused before a stream opens (a valid one would stay open). */
function streamCases(keys: Keys, ref: string): fc.Arbitrary<Case> {
  const badId = fc.oneof(fc.constantFrom('', '0', '1-', '-1', '1-2-3', 'x-1', '1796104753045-0 ', `${'9'.repeat(16)}-0`), printable(30)).filter((text) => !/^\d{1,15}-\d{1,15}$/.test(text));
  const badRef = fc.oneof(fc.constantFrom('', 'a b', 'x/y', 'cus_', `u${'x'.repeat(200)}`), printable(40)).filter((text) => !isRef(text));
  return fc.oneof(
    fc.tuple(auth(keys.read, [keys.write]), badRef).map(([given, bad]): Case => ({
      category: 'GET stream, bad customer',
      request: { method: 'GET', path: `/v1/stream?customer=${encodeURIComponent(bad)}`, headers: given.headers },
      expect: refusedOr(given, error(400, 'invalid_query')),
    })),
    // A header value is trimmed by HTTP and must be visible ASCII; the query parameter takes anything.
    fc.tuple(auth(keys.read, [keys.write]), badId, fc.boolean()).map(([given, bad, header]) => [given, bad, header && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(bad)] as const).map(([given, bad, inHeader]): Case => ({
      category: 'GET stream, bad resume id',
      request: {
        method: 'GET', path: `/v1/stream?customer=${ref}${inHeader ? '' : `&last_event_id=${encodeURIComponent(bad)}`}`,
        headers: { ...given.headers, ...(inHeader && { 'last-event-id': bad }) },
      },
      expect: refusedOr(given, error(400, 'invalid_last_event_id')),
    })),
    fc.tuple(auth(keys.stream, [keys.read, keys.write]), badId).map(([given, bad]): Case => ({
      category: 'GET stream of every customer, bad resume id',
      request: { method: 'GET', path: `/v1/stream?last_event_id=${encodeURIComponent(bad)}`, headers: given.headers },
      expect: refusedOr(given, error(400, 'invalid_last_event_id')),
    })),
  );
}

const pair = (keys: fc.Arbitrary<string>) => fc.tuple(keys, fc.oneof(printable(30).map(encodeURIComponent), fc.stringMatching(/^[A-Za-z0-9%.:+-]{0,20}$/))).map(([key, value]) => `${key}=${value}`);
const listQuery = (known: string[]) => fc.array(pair(fc.oneof(fc.constantFrom(...known), fc.stringMatching(/^[a-z[\]]{1,8}$/))), { maxLength: 4 }).map((pairs) => pairs.join('&'));
const unknownParam = (known: string[]) => fc.stringMatching(/^[a-z_]{1,12}$/).filter((key) => !known.includes(key)).map((key) => `${key}=1`);

const grantFields = ['customer', 'feature', 'value', 'expires_at', 'reason'];
const grantBody = fc.record({ customer: fc.stringMatching(/^(cus|user)_[a-z0-9]{4,12}$/), feature: fc.stringMatching(/^[a-z_]{1,20}$/), value: fc.oneof(fc.constant(true), fc.nat()), reason: printable(40, 1).filter((text) => text.trim().length > 0) });
const breakGrant: fc.Arbitrary<(body: Body) => Body> = fc.oneof(
  unknownField(grantFields),
  drop('customer', 'feature', 'reason'),
  put('customer', fc.oneof(fc.constantFrom(''), fc.constant(`c${'x'.repeat(200)}`), fc.integer(), fc.constant(null))),
  put('feature', fc.oneof(fc.constantFrom('', 'has space', 'a/b', `f${'x'.repeat(200)}`), fc.integer())),
  put('value', fc.oneof(fc.constantFrom(false, -1, 'x', null, '3'), fc.array(fc.nat(), { maxLength: 2 }))),
  put('expires_at', fc.oneof(fc.constantFrom('soon', '2000-01-01T00:00:00Z', '2030-01-01T00:00:00', '2030-13-01T00:00:00Z', '', '2030-01-01'), fc.integer())),
  put('reason', fc.oneof(fc.constantFrom('', '   ', `r${'x'.repeat(1000)}`), fc.integer(), fc.constant(null))),
);
const breakReconciliation: fc.Arbitrary<Body> = fc.oneof(
  unknownField(['customer', 'since']).map((change) => change({})),
  fc.oneof(fc.constantFrom('not ok!', '', 'a/b', `u${'x'.repeat(200)}`), fc.integer(), fc.constant(null)).map((customer) => ({ customer })),
  fc.oneof(fc.constantFrom('last week', '2999-01-01', '2999-01-01T00:00:00Z', '01/02/2024', ''), fc.integer()).map((since) => ({ since })),
);

function adminCases(keys: Keys): fc.Arbitrary<Case> {
  const admin = { authorization: `Bearer ${keys.admin}` };
  const json = { ...admin, 'content-type': 'application/json' };
  const eventsKeys = ['status', 'type', 'limit', 'cursor'];
  const auditKeys = ['customer', 'since', 'action', 'limit', 'cursor'];
  return fc.oneof(
    fc.tuple(fc.constantFrom('/admin/events', '/admin/audit', '/admin/grants'), listQuery([...eventsKeys, ...auditKeys])).map(([path, search]): Case => ({
      category: 'GET admin list, random query', request: { method: 'GET', path: `${path}?${search}`, headers: admin }, expect: status(200, 400, 404),
    })),
    // An unknown parameter fails the whole query, whatever else it holds; the other bad values are sent alone.
    fc.tuple(fc.constantFrom(['/admin/events', eventsKeys] as const, ['/admin/audit', auditKeys] as const), unknownParam([...eventsKeys, ...auditKeys])).chain(([[path, known], bad]) =>
      listQuery([...known]).map((search): Case => ({ category: 'GET admin list, unknown parameter', request: { method: 'GET', path: `${path}?${search ? `${search}&` : ''}${bad}`, headers: admin }, expect: error(400, 'invalid_query') })),
    ),
    fc.tuple(fc.constantFrom('/admin/events', '/admin/audit'), fc.constantFrom('limit=0', 'limit=201', 'limit=x', 'limit=1&limit=2', 'cursor=not-a-cursor', 'cursor=WyJ4Il0')).map(([path, bad]): Case => ({
      category: 'GET admin list, bad value', request: { method: 'GET', path: `${path}?${bad}`, headers: admin }, expect: error(400, bad.startsWith('cursor=') ? 'invalid_cursor' : 'invalid_query'),
    })),
    // Cursors of the right encoding whose values the api never wrote: a timestamp Postgres refuses, an id past bigint, a NUL.
    fc.tuple(fc.constantFrom('/admin/events', '/admin/audit'), fc.array(fc.oneof(printable(30), fc.stringMatching(/^\d{1,20}$/), fc.constantFrom('2024-01-01 00:00:00+00', '2024-02-30 00:00:00+00', 'evt_1', '\u0000', 'infinity', '9223372036854775808')), { maxLength: 3 }))
      .map(([path, parts]): Case => ({
        category: 'GET admin list, forged cursor', request: { method: 'GET', path: `${path}?cursor=${Buffer.from(JSON.stringify(parts)).toString('base64url')}`, headers: admin },
        expect: (response) => (response.status === 200 || (response.status === 400 && errorCode(response) === 'invalid_cursor') ? undefined : `${response.status} ${errorCode(response)}, expected 200 or 400 invalid_cursor`),
      })),
    fc.tuple(fc.constantFrom('customers', 'reconciliations'), segment).map(([kind, id]): Case => {
      const text = decoded(id);
      const expect = text === undefined ? error(400, 'invalid_path_encoding') : kind === 'customers' && !isRef(text) ? error(400, 'invalid_ref') : status(404);
      return { category: `GET admin ${kind}/:id`, request: { method: 'GET', path: `/admin/${kind}/${id}`, headers: admin }, expect };
    }),
    fc.tuple(fc.oneof(segment, fc.uuid()), fc.oneof(printable(40, 1).filter((text) => text.trim().length > 0), fc.constant(undefined)), fc.boolean()).map(([id, reason, inBody]): Case => ({
      category: 'DELETE admin grant',
      request: {
        method: 'DELETE', path: `/admin/grants/${id}${reason !== undefined && !inBody ? `?reason=${encodeURIComponent(reason)}` : ''}`, headers: json,
        ...(reason !== undefined && inBody && { body: JSON.stringify({ reason }) }),
      },
      expect: decoded(id) === undefined ? error(400, 'invalid_path_encoding') : reason === undefined ? error(400, 'invalid_request_body') : error(404, 'grant_not_found'),
    })),
    fc.tuple(fc.oneof(segment, fc.stringMatching(/^evt_[A-Za-z0-9]{8,24}$/)), randomBytes({ maxLength: 100 })).map(([id, body]): Case => ({
      category: 'POST admin replay', request: { method: 'POST', path: `/admin/events/${id}/replay`, headers: json, body },
      expect: decoded(id) === undefined ? error(400, 'invalid_path_encoding') : error(404, 'event_not_found'),
    })),
    fc.tuple(grantBody, breakGrant).map(([body, change]): Case => ({
      category: 'POST admin grants, invalid body', request: { method: 'POST', path: '/admin/grants', headers: json, body: JSON.stringify(change(body)) }, expect: error(400, 'invalid_request_body'),
    })),
    fc.oneof(
      fc.constantFrom('http://127.0.0.1/x', 'http://localhost:3000/', 'https://10.0.0.1/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://169.254.169.254/', 'gopher://x', 'https://u:p@app.example/', '')
        .map((target) => ({ url: target })),
      fc.record({ url: fc.constant('https://app.example/hooks'), events: fc.oneof(fc.constant([]), fc.array(fc.stringMatching(/^[a-z.]{1,20}$/).filter((type) => type !== 'entitlements.updated'), { minLength: 1, maxLength: 3 })) }),
      unknownField(['url', 'events', 'description']).map((change) => change({ url: 'https://app.example/hooks' })),
    ).map((body): Case => ({
      category: 'POST admin webhook endpoints, invalid body', request: { method: 'POST', path: '/admin/webhook-endpoints', headers: json, body: JSON.stringify(body) }, expect: error(400, 'invalid_request_body'),
    })),
    // Meter parity: a period that is not a month or a whole-minute range, a missing field or an unknown one, in the query or the body.
    fc.tuple(
      fc.oneof(
        fc.record({ customer: fc.constant('cus_x'), period: fc.constantFrom('2026-13', '2026-1', 'last month', '', '2026-01-01T00:00:30Z/2026-01-02T00:00:00Z', '2026-02-01T00:00:00Z/2026-01-01T00:00:00Z', '2024-01-01T00:00:00Z/2026-01-01T00:00:00Z', 'a/b/c') }),
        fc.record({ customer: fc.constant('cus_x') }),
        fc.record({ period: fc.constant('2026-01') }),
        fc.record({ customer: fc.constant('cus_x'), period: fc.constant('2026-01'), repair: fc.constant('yes') }),
      ),
      fc.boolean(),
    ).map(([fields, asQuery]): Case => (asQuery
      ? { category: 'admin meters parity, bad input', request: { method: 'GET', path: `/admin/meters/parity?${new URLSearchParams(fields).toString()}`, headers: admin }, expect: error(400, 'invalid_query') }
      : { category: 'admin meters parity, bad input', request: { method: 'POST', path: '/admin/meters/parity/repair', headers: json, body: JSON.stringify(fields) }, expect: error(400, 'invalid_request_body') })),
    fc.oneof(breakReconciliation.map((body) => JSON.stringify(body)), fc.constantFrom('[]', '"x"', '1', '{"customer":', 'null')).map((body): Case => ({
      category: 'POST admin reconciliations, invalid body', request: { method: 'POST', path: '/admin/reconciliations', headers: json, body }, expect: status(400),
    })),
  );
}

/** Every admin endpoint with no key, a garbage one, an unknown one, a session cookie it never got, or a smaller scope. */
function adminAuthCases(keys: Keys): fc.Arbitrary<Case> {
  const endpoints = [
    ['GET', '/admin/events'], ['GET', '/admin/audit'], ['GET', '/admin/grants?customer=cus_x'], ['POST', '/admin/grants'], ['DELETE', `/admin/grants/${randomUUID()}?reason=x`],
    ['GET', '/admin/customers/cus_x'], ['POST', '/admin/events/evt_x/replay'], ['POST', '/admin/reconciliations'], ['GET', `/admin/reconciliations/${randomUUID()}`],
    ['POST', '/admin/webhook-endpoints'], ['GET', '/admin/webhook-endpoints'], ['PATCH', `/admin/webhook-endpoints/${randomUUID()}`],
    ['POST', `/admin/webhook-endpoints/${randomUUID()}/rotate-secret`], ['DELETE', `/admin/webhook-endpoints/${randomUUID()}`],
    ['GET', `/admin/webhook-endpoints/${randomUUID()}/deliveries`], ['POST', `/admin/webhook-deliveries/${randomUUID()}/replay`],
    ['GET', '/admin/meters/parity?customer=cus_x&period=2026-01'], ['POST', '/admin/meters/parity/repair'],
    ['POST', '/admin/balances/adjust'], ['GET', '/admin/customers/cus_x/ledger'],
    ['POST', '/admin/session'], ['GET', '/admin/queues'], ['GET', '/admin/queues/api/queues'], ['PUT', '/admin/queues/api/queues/events/pause'],
    ['GET', '/admin/console'], ['GET', '/admin/console/customers/cus_x'], ['POST', '/admin/console/customers/cus_x/grants'], ['POST', '/admin/console/events/replay'],
    ['POST', '/admin/console/customers/cus_x/balances/adjust'],
  ] as const;
  const refused = fc.oneof(
    fc.constant({ headers: {}, refused: 401 as const }),
    printable(80).map((header) => ({ headers: { authorization: header }, refused: 401 as const })),
    printable(60).map((password) => ({ headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` }, refused: 401 as const })),
    fc.stringMatching(/^[\w-]{43}$/).map((token) => ({ headers: { cookie: `billing_admin_session=${token}` }, refused: 401 as const })),
    fc.constantFrom(keys.read, keys.write).map((key) => ({ headers: { authorization: `Bearer ${key}` }, refused: 403 as const })),
  );
  return fc.tuple(fc.constantFrom(...endpoints), refused, randomBytes({ maxLength: 100 })).map(([[method, path], given, body]): Case => ({
    category: 'admin without an admin key',
    request: { method, path, headers: { ...given.headers, 'content-type': 'application/json' }, ...(method !== 'GET' && { body }) },
    expect: status(given.refused),
  }));
}

const unknownRoutes: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.stringMatching(/^[a-z0-9._-]{0,12}$/))
  .filter(([, first]) => !['v1', 'admin', 'webhooks', 'healthz', 'readyz', 'metrics'].includes(first))
  .map(([method, first, second]): Case => ({ category: 'unknown route', request: { method, path: `/${first}/${second}` }, expect: error(404, 'route_not_found') }));

test('hostile requests to the keyed api get the expected 4xx, never a 5xx, and change nothing', async (t) => {
  const stripeApi = await stripeTripwire();
  const { api, url } = await startServices(t, { env: { STRIPE_API_BASE: stripeApi.url } });
  const { db, config } = api.context;
  const client = rawClient(url);
  const failures = watchProcessFailures();
  t.teardown(async () => {
    failures.stop();
    client.close();
    await stripeApi.close();
  });
  const keys: Keys = {
    read: (await createKey(db, { name: 'fuzz-read', scope: 'read' })).key,
    write: (await createKey(db, { name: 'fuzz-write', scope: 'write' })).key,
    admin: (await createKey(db, { name: 'fuzz-admin', scope: 'admin' })).key,
    stream: (await createKey(db, { name: 'fuzz-stream', scope: 'stream' })).key,
  };
  // Something for the requests to miss: a customer with entitlements, a grant, a dead event.
  const customer = await seedCustomer(db);
  const grant = await client.send({ method: 'POST', path: '/admin/grants', headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ customer: customer.stripeId, feature: 'beta', reason: 'fuzz seed' }) });
  t.is(grant.status, 201, grant.body);
  await seedEvent(db);

  // Inputs earlier runs of this fuzzer turned into 500s, checked every time rather than when drawn.
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const found: [key: string, method: string, path: string, status: number, code: string][] = [
    [keys.read, 'GET', '/v1/customers/%E0%A4%A/entitlements', 400, 'invalid_path_encoding'],
    [keys.read, 'GET', '/v1/customers/cus_1/entitlements/%FF', 400, 'invalid_path_encoding'],
    [keys.admin, 'GET', '/admin/customers/%zz', 400, 'invalid_path_encoding'],
    [keys.admin, 'DELETE', '/admin/grants/%C0?reason=x', 400, 'invalid_path_encoding'],
    [keys.admin, 'POST', '/admin/events/%00/replay', 404, 'event_not_found'],
    [keys.admin, 'GET', `/admin/events?cursor=${cursor(['garbage', 'evt_1'])}`, 400, 'invalid_cursor'],
    [keys.admin, 'GET', `/admin/events?cursor=${cursor(['2024-01-01 00:00:00+00', 'evt_\u0000'])}`, 400, 'invalid_cursor'],
    [keys.admin, 'GET', `/admin/audit?cursor=${cursor(['9999999999999999999'])}`, 400, 'invalid_cursor'],
  ];
  for (const [key, method, path, expected, code] of found) {
    const response = await client.send({ method, path, headers: { authorization: `Bearer ${key}` } });
    t.is(response.status, expected, `${method} ${path}: ${response.body.slice(0, 200)}`);
    t.is(errorCode(response), code, `${method} ${path}`);
  }

  // Reads may fill the entitlement cache; that is the only state they may leave behind.
  const cacheEntry = cacheKeys.entry(config.REDIS_PREFIX, '');
  const before = await serviceState(api.context, { ignoreKey: (key) => key.startsWith(cacheEntry) });
  const cases = fc.oneof(
    { weight: 5, arbitrary: entitlementCases(keys) },
    { weight: 4, arbitrary: sessionCases('/v1/checkout/sessions', keys, checkoutBody, breakCheckout) },
    { weight: 3, arbitrary: sessionCases('/v1/portal/sessions', keys, portalBody, breakPortal) },
    { weight: 3, arbitrary: sessionCases(`/v1/customers/${customer.stripeId}/usage`, keys, usageBody, breakUsage) },
    { weight: 1, arbitrary: reservationCases(keys, customer.stripeId) },
    { weight: 4, arbitrary: sessionCases(`/v1/customers/${customer.stripeId}/subscription/change`, keys, planBody, breakPlan) },
    { weight: 6, arbitrary: adminCases(keys) },
    { weight: 2, arbitrary: adminAuthCases(keys) },
    { weight: 1, arbitrary: unknownRoutes },
    { weight: 2, arbitrary: versionWaitCases(keys, customer.stripeId) },
    { weight: 3, arbitrary: streamCases(keys, customer.stripeId) },
  );
  const statuses = new Map<number, number>();
  const categories = await sendCases(client, cases, {
    batchSize, batches, seen: (_item, response) => statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1),
  });

  const after = await serviceState(api.context, { ignoreKey: (key) => key.startsWith(cacheEntry) });
  t.deepEqual(after, before, 'no row, job or Redis key changed');
  t.is(after.rows.grants, 1);
  t.is(jobTotal(after), 0, 'every queue is empty');
  t.deepEqual(stripeApi.calls(), [], 'no call to Stripe');
  t.deepEqual(failures.failures(), [], 'no unhandled rejection or uncaught exception');
  t.is((await client.send({ method: 'GET', path: '/healthz' })).status, 200, 'the api still answers');
  t.true(client.sent() >= 5000, `${client.sent()} requests`);
  t.true([...statuses.keys()].every((code) => code < 500));
  for (const [category, count] of categories) t.true(count >= 40, `${category}: ${count} requests`);
  t.true(categories.size >= 25, `${categories.size} categories`);
  t.log([...statuses].sort(([a], [b]) => a - b).map(([code, count]) => `${code}: ${count}`).join(', '));
  t.log([...categories].map(([category, count]) => `${category}: ${count}`).join('; '));
});
