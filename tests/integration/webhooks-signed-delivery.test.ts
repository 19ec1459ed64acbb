import { createHmac } from 'node:crypto';
import test from 'ava';
import type { Knex } from 'knex';
import type { HttpMethod } from '../../api/openapi/types.js';
import { queueNames } from '../../shared/infra/queues.js';
import { documentedSchema, schemaProblems } from '../support/openapi-schema.js';
import { startServices } from '../support/services.js';
import { webhookReceiver, type Received } from '../support/webhook-receiver.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

interface Endpoint { id: string; url: string; events: string[]; enabled: boolean; secret?: string }
interface Delivery { id: string; status: string; attempts: number; last_status_code: number | null }

const grant = (url: string, key: string, customer: string, feature: string) =>
  call(url, '/admin/grants', { method: 'POST', key, body: { customer, feature, reason: 'test' } });

/** The v1 signatures of a delivery that match `secret` over `t.body`. */
function validSignatures(received: Received, secret: string): number {
  const header = String(received.headers['billing-signature'] ?? '');
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${received.body}`).digest('hex');
  return header.split(',').filter((part) => part === `v1=${expected}`).length;
}

/** Resolves with the first delivery matching `where` whose row reaches `status` (read again every 20 ms until then). */
function deliveryReaching(db: Knex, where: Record<string, string>, status: string): Promise<Delivery> {
  return new Promise((resolve) => {
    const poll = async () => {
      const row = await db('webhook_deliveries').where({ ...where, status }).first<Delivery | undefined>('id', 'status', 'attempts', 'last_status_code');
      if (row) return resolve(row);
      setTimeout(() => void poll(), 20);
    };
    void poll();
  });
}

const fastRetries = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_BACKOFF_MS: '20' };

test('a registered endpoint receives each change, signed with the secret shown once', async (t) => {
  const receiver = await webhookReceiver();
  t.teardown(receiver.close);
  const { url, api } = await startServices(t, { worker: true, env: fastRetries });
  const { key } = await adminKey(api.context.db);
  const created = await call<Endpoint>(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: `${receiver.url}/hook`, events: ['entitlements.updated'], description: 'app' } });
  t.is(created.status, 201);
  t.regex(created.body.secret ?? '', /^whsec_/);
  const listed = await call<{ data: Endpoint[] }>(url, '/admin/webhook-endpoints', { key });
  t.deepEqual(listed.body.data.map((endpoint) => endpoint.id), [created.body.id]);
  t.false('secret' in listed.body.data[0], 'the secret is shown once');

  const customer = await seedCustomer(api.context.db);
  await grant(url, key, customer.stripeId, 'pro');
  const delivery = await receiver.next();
  t.is(delivery.path, '/hook');
  t.is(validSignatures(delivery, created.body.secret!), 1);
  const payload = JSON.parse(delivery.body) as { id: string; type: string; data: { version: number; customer: { stripe_customer_id: string } } };
  t.is(payload.type, 'entitlements.updated');
  t.is(payload.data.version, 1);
  t.is(payload.data.customer.stripe_customer_id, customer.stripeId);
  t.is(delivery.headers['billing-event-id'], payload.id);

  const rotated = await call<Endpoint>(url, `/admin/webhook-endpoints/${created.body.id}/rotate-secret`, { method: 'POST', key, body: {} });
  t.is(rotated.status, 200);
  t.not(rotated.body.secret, created.body.secret);
  await grant(url, key, customer.stripeId, 'beta');
  const afterRotation = await receiver.next();
  t.is(validSignatures(afterRotation, rotated.body.secret!), 1, 'signed with the new secret');
  t.is(validSignatures(afterRotation, created.body.secret!), 1, 'and, during the overlap, the old one');

  const disabled = await call<Endpoint>(url, `/admin/webhook-endpoints/${created.body.id}`, { method: 'PATCH', key, body: { enabled: false } });
  t.false(disabled.body.enabled);
  await grant(url, key, customer.stripeId, 'gamma');
  t.is(await api.context.db('webhook_deliveries').where({ endpoint_id: created.body.id }).count<{ count: string }[]>('* as count').then((rows) => Number(rows[0]?.count)), 2, 'a disabled endpoint gets nothing new');
  const deleted = await call(url, `/admin/webhook-endpoints/${created.body.id}`, { method: 'DELETE', key });
  t.is(deleted.status, 200);
  t.is((await call(url, `/admin/webhook-endpoints/${created.body.id}`, { key })).status, 404);
});

test('a failing endpoint is retried; after the last attempt the delivery is dead, dead-lettered and replayable', async (t) => {
  let healthy = false;
  const receiver = await webhookReceiver((_item, index) => ({ status: index === 0 ? 503 : healthy ? 200 : 500 }));
  t.teardown(receiver.close);
  const { url, api } = await startServices(t, { worker: true, env: { ...fastRetries, WEBHOOK_DELIVERY_ATTEMPTS: '3', JOB_RETRY_HORIZON_HOURS: '0' } });
  const { key } = await adminKey(api.context.db);
  const endpoint = await call<Endpoint>(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: receiver.url } });
  const customer = await seedCustomer(api.context.db);
  await grant(url, key, customer.stripeId, 'pro');
  for (let attempt = 0; attempt < 3; attempt += 1) await receiver.next();

  await deliveryReaching(api.context.db, { endpoint_id: endpoint.body.id }, 'dead');
  const [dead] = (await call<{ data: Delivery[] }>(url, `/admin/webhook-endpoints/${endpoint.body.id}/deliveries?status=dead`, { key })).body.data;
  t.is(dead?.attempts, 3);
  t.is(dead?.last_status_code, 500);
  const parked = await api.context.queues.deadLetter.getJobs(['waiting', 'completed', 'active', 'delayed', 'failed']);
  t.true(parked.some((job) => (job.data as { queue: string }).queue === queueNames.webhooks), 'parked in the dead-letter queue');

  healthy = true;
  const replay = await call<Delivery>(url, `/admin/webhook-deliveries/${dead.id}/replay`, { method: 'POST', key });
  t.is(replay.status, 202);
  const again = await receiver.next();
  t.is(JSON.parse(again.body).data.version, 1);
  const delivered = await deliveryReaching(api.context.db, { id: dead.id }, 'succeeded');
  t.is(delivered.last_status_code, 200);
});

test('endpoint URLs: no loopback or private address unless allowed, https only in live mode, redirects not followed', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  for (const target of ['http://127.0.0.1:9/x', 'http://localhost/x', 'https://10.1.2.3/x', 'https://[::1]/x', 'https://169.254.169.254/latest', 'ftp://example.com/x', 'https://user:pw@example.com/x']) {
    const answer = await call<{ error: { code: string } }>(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: target } });
    t.is(answer.status, 400, target);
    t.is(answer.body.error.code, 'invalid_request_body', target);
  }
  t.is((await call(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: 'http://app.example.com/hooks' } })).status, 201, 'http is fine in test mode');

  const live = await startServices(t, { env: { STRIPE_SECRET_KEY: 'sk_live_123', RETURN_URL_ORIGINS: 'https://app.example.com' } });
  const { key: liveKey } = await adminKey(live.api.context.db);
  t.is((await call(live.url, '/admin/webhook-endpoints', { method: 'POST', key: liveKey, body: { url: 'http://app.example.com/hooks' } })).status, 400, 'live mode wants https');
  t.is((await call(live.url, '/admin/webhook-endpoints', { method: 'POST', key: liveKey, body: { url: 'https://app.example.com/hooks' } })).status, 201);
});

test('a redirect is recorded as a failure and never followed', async (t) => {
  const target = await webhookReceiver();
  t.teardown(target.close);
  const redirecting = await webhookReceiver(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
  t.teardown(redirecting.close);
  const { url, api } = await startServices(t, { worker: true, env: { ...fastRetries, WEBHOOK_DELIVERY_ATTEMPTS: '1', JOB_RETRY_HORIZON_HOURS: '0' } });
  const { key } = await adminKey(api.context.db);
  const endpoint = await call<Endpoint>(url, '/admin/webhook-endpoints', { method: 'POST', key, body: { url: redirecting.url } });
  const customer = await seedCustomer(api.context.db);
  await grant(url, key, customer.stripeId, 'pro');
  await redirecting.next();
  const dead = await deliveryReaching(api.context.db, { endpoint_id: endpoint.body.id }, 'dead');
  t.is(dead.last_status_code, 302);
  t.is(target.received.length, 0, 'the redirect target was never called');
});

test('real answers of the webhook endpoint routes match the OpenAPI document', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const check = async (method: HttpMethod, documented: string, path: string, body: unknown, status: number) => {
    const response = await call<unknown>(url, path, { method: method.toUpperCase(), key, ...(body !== undefined && { body }) });
    t.is(response.status, status, `${method} ${path}`);
    t.deepEqual(schemaProblems(response.body, documentedSchema(documented, method, String(status))), [], `${method} ${path} ${status}`);
    return response.body as Endpoint;
  };
  const created = await check('post', '/admin/webhook-endpoints', '/admin/webhook-endpoints', { url: 'https://app.example.com/hooks', description: null }, 201);
  await check('post', '/admin/webhook-endpoints', '/admin/webhook-endpoints', { url: 'https://127.0.0.1/x' }, 400);
  await check('get', '/admin/webhook-endpoints', '/admin/webhook-endpoints', undefined, 200);
  await check('get', '/admin/webhook-endpoints/{id}', `/admin/webhook-endpoints/${created.id}`, undefined, 200);
  await check('patch', '/admin/webhook-endpoints/{id}', `/admin/webhook-endpoints/${created.id}`, { events: ['entitlements.updated'] }, 200);
  await check('post', '/admin/webhook-endpoints/{id}/rotate-secret', `/admin/webhook-endpoints/${created.id}/rotate-secret`, { expire_previous_in_hours: 0 }, 200);
  await check('get', '/admin/webhook-endpoints/{id}/deliveries', `/admin/webhook-endpoints/${created.id}/deliveries`, undefined, 200);
  await check('post', '/admin/webhook-deliveries/{id}/replay', `/admin/webhook-deliveries/${created.id}/replay`, undefined, 404);
  await check('delete', '/admin/webhook-endpoints/{id}', `/admin/webhook-endpoints/${created.id}`, undefined, 200);
  await check('get', '/admin/webhook-endpoints/{id}', `/admin/webhook-endpoints/${created.id}`, undefined, 404);
});
