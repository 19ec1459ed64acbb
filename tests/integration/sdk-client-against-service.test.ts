import test from 'ava';
import { openApiDocument } from '../../api/openapi/document.js';
import { BillingError, createClient, type EntitlementsUpdatedEvent } from '../../sdk/src/index.js';
import { verifyWebhook, WebhookSignatureError } from '../../sdk/src/webhooks.js';
import { signatureHeader } from '../../shared/notify/webhook-signature.js';
import { documentedSchema, schemaProblems } from '../support/openapi-schema.js';
import { startServices } from '../support/services.js';
import { webhookReceiver } from '../support/webhook-receiver.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

const grant = (url: string, key: string, customer: string, feature: string, value: true | number = true) =>
  call(url, '/admin/grants', { method: 'POST', key, body: { customer, feature, value, reason: 'test' } });

test('reads through the client have the documented shape; has and value answer from them', async (t) => {
  const { url, api } = await startServices(t);
  const { key: admin } = await adminKey(api.context.db);
  const { key } = await adminKey(api.context.db, { scope: 'read' });
  const customer = await seedCustomer(api.context.db);
  await grant(url, admin, customer.stripeId, 'seats', 5);
  const client = createClient({ baseUrl: url, apiKey: key });
  const read = await client.entitlements(customer.userId);
  t.deepEqual(schemaProblems(read, documentedSchema('/v1/customers/{ref}/entitlements', 'get', '200')), []);
  const required = (openApiDocument.components.schemas.CustomerEntitlements as { required: string[] }).required;
  t.deepEqual(Object.keys(read).sort(), [...required].sort(), 'the client type and the document name the same fields');
  t.is(read.version, 1);
  t.true(await client.has(customer.userId, 'seats'));
  t.is(await client.value(customer.userId, 'seats'), 5);
  t.false(await client.has(customer.userId, 'pro'));
  t.is((await client.entitlements(customer.userId, { minVersion: 1, waitMs: 100 })).version, 1);
  const refused = await t.throwsAsync(createClient({ baseUrl: url, apiKey: 'bk_read_unknownunknownunknownunknownunknown' }).has(customer.userId, 'seats'));
  t.true(refused instanceof BillingError);
  t.is((refused as BillingError).code, 'unauthorized', 'a bad key is an error, never a fallback');
});

test('an unreachable service answers with the fail-open or fail-closed choice, flagged as a fallback', async (t) => {
  const client = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'bk_read_x', timeoutMs: 2000 });
  t.deepEqual(await client.feature('user_1', 'pro'), { feature: 'pro', entitled: false, value: null, fallback: true });
  t.true(await client.has('user_1', 'pro', { failOpen: true }));
  const open = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'bk_read_x', failOpen: true, timeoutMs: 2000 });
  t.like(await open.feature('user_1', 'pro'), { entitled: true, fallback: true });
  t.like(await open.feature('user_1', 'pro', { failOpen: false }), { entitled: false, fallback: true });
});

test('a watched customer is answered from the in-process copy, which the stream keeps current', async (t) => {
  const { url, api } = await startServices(t);
  const { key: admin } = await adminKey(api.context.db);
  const { key } = await adminKey(api.context.db, { scope: 'read' });
  const customer = await seedCustomer(api.context.db);
  await grant(url, admin, customer.stripeId, 'pro');
  const client = createClient({ baseUrl: url, apiKey: key });
  const watch = client.watch(customer.userId);
  t.teardown(watch.close);
  await watch.ready;
  t.true(watch.has('pro'));
  t.is(watch.version(), 1);

  const changed = new Promise<EntitlementsUpdatedEvent>((resolve) => { const stop = watch.onChange((event) => { stop(); resolve(event); }); });
  await grant(url, admin, customer.stripeId, 'seats', 3);
  const event = await changed;
  t.is(event.data.version, 2);
  t.is(watch.value('seats'), 3);
  t.is(watch.version(), 2);

  // No read reaches the api for a watched customer: its request counter does not move.
  const reads = async () => (await api.context.metrics.httpRequestDuration.get()).values.filter((value) => value.metricName?.endsWith('_count') && value.labels.route === '/v1/customers/:ref/entitlements').reduce((sum, value) => sum + value.value, 0);
  const before = await reads();
  t.true(await client.has(customer.userId, 'seats'));
  t.is(await reads(), before);

  // has() on the copy: a synchronous map read (figure for the record, not asserted).
  const samples: number[] = [];
  for (let index = 0; index < 20_000; index += 1) {
    const started = process.hrtime.bigint();
    watch.has('seats');
    samples.push(Number(process.hrtime.bigint() - started));
  }
  samples.sort((a, b) => a - b);
  t.log(`watch.has p50 ${samples[10_000]} ns, p99 ${samples[19_800]} ns`);
});

test('the verify helper accepts a real delivery and refuses a tampered, unsigned or stale one', async (t) => {
  const receiver = await webhookReceiver();
  t.teardown(receiver.close);
  const { url, api } = await startServices(t, { worker: true, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
  const { key } = await adminKey(api.context.db);
  const endpoint = await call<{ secret: string }>(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: receiver.url } });
  const customer = await seedCustomer(api.context.db);
  await grant(url, key, customer.stripeId, 'pro');
  const delivery = await receiver.next();
  const header = String(delivery.headers['billing-signature']);
  const event = verifyWebhook(delivery.body, header, endpoint.body.secret);
  t.is(event.data.customer.stripe_customer_id, customer.stripeId);
  const code = (run: () => unknown) => t.throws<WebhookSignatureError>(run, { instanceOf: WebhookSignatureError }).code;
  t.is(code(() => verifyWebhook(delivery.body.replace('"pro"', '"max"'), header, endpoint.body.secret)), 'bad_signature');
  t.is(code(() => verifyWebhook(delivery.body, header, 'whsec_other')), 'bad_signature');
  t.is(code(() => verifyWebhook(delivery.body, undefined, endpoint.body.secret)), 'no_signature');
  const stale = signatureHeader(delivery.body, [endpoint.body.secret], Math.floor(Date.now() / 1000) - 3600);
  t.is(code(() => verifyWebhook(delivery.body, stale, endpoint.body.secret)), 'too_old');
  t.truthy(verifyWebhook(delivery.body, header, ['whsec_old', endpoint.body.secret]), 'any of several secrets');
});
