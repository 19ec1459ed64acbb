import net from 'node:net';
import test from 'ava';
import { start } from '../../api/main.js';
import { appendToLog, changeLogKey } from '../../shared/notify/change-log.js';
import type { EntitlementsUpdated } from '../../shared/notify/entitlement-event.js';
import { startServices } from '../support/services.js';
import { isEvent, openStream } from '../support/sse.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

const grant = (url: string, key: string, customer: string, feature: string) =>
  call<{ id: string }>(url, '/admin/grants', { method: 'POST', key, body: { customer, feature, reason: 'test' } });
const dataOf = (data: string | undefined) => (JSON.parse(data ?? 'null') as EntitlementsUpdated);

test('a customer stream carries each change with its version, diff and cause; the all-customers stream carries every customer', async (t) => {
  const { url, api } = await startServices(t);
  const { key: admin } = await adminKey(api.context.db);
  const { key: reader } = await adminKey(api.context.db, { scope: 'read' });
  const { key: streamKey } = await adminKey(api.context.db, { scope: 'stream' });
  const mine = await seedCustomer(api.context.db);
  const other = await seedCustomer(api.context.db);
  const one = await openStream(`${url}/v1/stream?customer=${mine.userId}`, reader);
  t.teardown(one.close);
  t.is(one.status, 200);
  t.regex(one.headers.get('content-type') ?? '', /^text\/event-stream/);
  const all = await openStream(`${url}/v1/stream`, streamKey);
  t.teardown(all.close);
  t.is(all.status, 200);

  const otherGrant = await grant(url, admin, other.stripeId, 'beta');
  const first = await grant(url, admin, mine.stripeId, 'pro');
  const second = await grant(url, admin, mine.stripeId, 'beta');

  const a = await one.next(isEvent('entitlements.updated'));
  const b = await one.next(isEvent('entitlements.updated'));
  const [eventA, eventB] = [dataOf(a.data), dataOf(b.data)];
  t.is(eventA.data.customer.user_id, mine.userId, 'the other customer is not on this stream');
  t.is(eventA.data.version, 1);
  t.deepEqual(eventA.data.cause, { type: 'grant', id: first.body.id });
  t.deepEqual(eventA.data.diff.added.map((entry) => entry.feature), ['pro']);
  t.is(eventB.data.version, 2);
  t.deepEqual(eventB.data.diff.added.map((entry) => entry.feature), ['beta']);
  t.deepEqual(eventB.data.diff.removed, []);
  t.deepEqual(eventB.data.entitlements.map((entry) => entry.feature), ['beta', 'pro']);
  t.is(eventB.id, `evt_ent_${mine.id.replaceAll('-', '')}_2`);

  const seen = [];
  for (let index = 0; index < 3; index += 1) seen.push(dataOf((await all.next(isEvent('entitlements.updated'))).data));
  t.deepEqual(seen.map((event) => event.data.cause.id), [otherGrant.body.id, first.body.id, second.body.id], 'in commit order');
});

test('Last-Event-ID resumes on another api process with exactly the missed events', async (t) => {
  const { url, api, config } = await startServices(t);
  const second = await start(config, { silentLogs: true });
  t.teardown(second.stop);
  const { key: admin } = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  const stream = await openStream(`${url}/v1/stream?customer=${customer.stripeId}`, admin);
  await grant(url, admin, customer.stripeId, 'f1');
  const seenFirst = await stream.next(isEvent('entitlements.updated'));
  stream.close();
  for (const feature of ['f2', 'f3']) await grant(url, admin, customer.stripeId, feature);

  const resumed = await openStream(`http://127.0.0.1:${second.port}/v1/stream?customer=${customer.stripeId}`, admin, { 'last-event-id': seenFirst.id ?? '' });
  t.teardown(resumed.close);
  const versions = [];
  for (let index = 0; index < 2; index += 1) versions.push(dataOf((await resumed.next(isEvent('entitlements.updated'))).data).data.version);
  t.deepEqual(versions, [2, 3]);
  await grant(url, admin, customer.stripeId, 'f4');
  t.is(dataOf((await resumed.next(isEvent('entitlements.updated'))).data).data.version, 4, 'then live, with nothing twice');
});

test('a resume from before what the log still holds gets a resync event', async (t) => {
  const { url, api, config } = await startServices(t);
  const { key: admin } = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  const stream = await openStream(`${url}/v1/stream?customer=${customer.stripeId}`, admin);
  await grant(url, admin, customer.stripeId, 'f1');
  const seen = await stream.next(isEvent('entitlements.updated'));
  stream.close();
  await grant(url, admin, customer.stripeId, 'f2');
  await api.context.redis.xtrim(changeLogKey(config.REDIS_PREFIX), 'MAXLEN', 0);

  const resumed = await openStream(`${url}/v1/stream?customer=${customer.stripeId}`, admin, { 'last-event-id': seen.id ?? '' });
  t.teardown(resumed.close);
  const resync = await resumed.next((frame) => frame.event !== undefined);
  t.is(resync.event, 'resync');
  t.truthy(resync.id);
  const bad = await call(url, `/v1/stream?customer=${customer.stripeId}`, { key: admin, headers: { 'last-event-id': 'yesterday' } });
  t.is(bad.status, 400);
});

test('an idle stream gets heartbeats', async (t) => {
  const { url, api } = await startServices(t, { env: { STREAM_HEARTBEAT_SECONDS: '0.05' } });
  const { key } = await adminKey(api.context.db, { scope: 'stream' });
  const stream = await openStream(`${url}/v1/stream`, key);
  t.teardown(stream.close);
  t.is((await stream.next((frame) => frame.comment !== undefined)).comment, 'keep-alive');
});

test('a client that stops reading is cut off instead of buffered', async (t) => {
  const { api, config } = await startServices(t, { env: { STREAM_MAX_BUFFER_BYTES: '65536' } });
  const { key } = await adminKey(api.context.db, { scope: 'stream' });
  const socket = net.connect(api.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let ended = false;
  void closed.then(() => { ended = true; });
  // Read the response head, then never again.
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  while ((await api.context.metrics.streamClients.get()).values[0]?.value !== 1) await new Promise((resolve) => setImmediate(resolve));
  const customer = { id: '00000000-0000-0000-0000-000000000000', stripe_customer_id: 'cus_big', user_id: null };
  const big = 'x'.repeat(64 * 1024);
  let appended = 0;
  while (!ended && appended < 2000) {
    const event = { id: `evt_${appended}`, type: 'entitlements.updated' as const, created: new Date().toISOString(), data: { customer, version: appended, entitlements: [], diff: { added: [], removed: [], changed: [] }, cause: { type: 'system' as const, id: big } } };
    await appendToLog(api.context.redis, config.REDIS_PREFIX, 24, [event]);
    appended += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await closed;
  t.true(ended, `cut off after ${appended} events of 64 KiB`);
  t.is((await api.context.metrics.streamCutOff.get()).values[0]?.value, 1);
  socket.destroy();
});
