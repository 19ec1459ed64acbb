import { once } from 'node:events';
import test from 'ava';
import { start } from '../../api/main.js';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/infra/redis.js';
import { eventually } from '../support/processes.js';
import { invalidateEntitlements } from '../../shared/entitlements/invalidate-entitlements.js';
import { startServices } from '../support/services.js';
import { invalidationSeen, keyFor, pro, read, seats, seedCustomer, setStoredFeatures } from './entitlements-fixtures.js';

const entitlementsOf = async (response: Response) => ((await response.json()) as { entitlements: unknown[] }).entitlements;

test('an invalidation makes the next read fresh in this api process and in another one sharing the prefix', async (t) => {
  const { url, api, config } = await startServices(t);
  const second = await start(config, { silentLogs: true });
  t.teardown(second.stop);
  const secondUrl = `http://127.0.0.1:${second.port}`;
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  const refs = [customer.stripeId, customer.userId];
  for (const base of [url, secondUrl]) for (const ref of refs) t.deepEqual(await entitlementsOf(await read(base, `/v1/customers/${ref}/entitlements`, key)), [pro]);

  await setStoredFeatures(api.context.db, customer.id, [seats(3)]);
  t.deepEqual(await entitlementsOf(await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)), [pro], 'cached until invalidated');

  const seen = [api, second].flatMap((process) => refs.map((ref) => invalidationSeen(process, ref)));
  await invalidateEntitlements(api.context.redis, config, refs);
  await Promise.all(seen);
  for (const base of [url, secondUrl]) {
    for (const ref of refs) t.deepEqual(await entitlementsOf(await read(base, `/v1/customers/${ref}/entitlements`, key)), [seats(3)], `${base} ${ref}`);
  }
});

test('a negative answer is invalidated like any other when the customer appears', async (t) => {
  const { url, api, config } = await startServices(t);
  const key = await keyFor(api.context.db);
  const path = '/v1/customers/user_late/entitlements';
  t.is(((await (await read(url, path, key)).json()) as { customer: unknown }).customer, null);
  const [row] = await api.context.db('customers').insert({ user_id: 'user_late' }).returning<{ id: string }[]>('id');
  await api.context.db('entitlements').insert({ customer_id: row.id, features: JSON.stringify([pro]), computed_at: new Date() });
  t.is(((await (await read(url, path, key)).json()) as { customer: unknown }).customer, null, 'the negative answer is cached');
  const seen = invalidationSeen(api, 'user_late');
  await invalidateEntitlements(api.context.redis, config, ['user_late']);
  await seen;
  t.deepEqual(await entitlementsOf(await read(url, path, key)), [pro]);
});

test('when the subscriber reconnects the in-process tier is cleared, since messages may have been missed', async (t) => {
  const { url, api, config } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  const path = `/v1/customers/${customer.stripeId}/entitlements`;
  t.deepEqual(await entitlementsOf(await read(url, path, key)), [pro]);
  t.true(api.entitlements.subscribed);

  // A change whose message this process never got: the Redis side of an invalidation, without the publish.
  await setStoredFeatures(api.context.db, customer.id, [seats(7)]);
  await api.context.redis.multi().incr(cacheKeys.epoch(config.REDIS_PREFIX, customer.stripeId)).del(cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId)).exec();
  t.deepEqual(await entitlementsOf(await read(url, path, key)), [pro], 'memory still holds the old answer');

  const resubscribed = once(api.entitlements, 'subscribed');
  const clients = (await api.context.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  const ours = clients.split('\n').filter((line) => line.includes(` name=billing-api-entitlements:${config.REDIS_PREFIX} `));
  t.is(ours.length, 1);
  const id = /\bid=(\d+)/.exec(ours[0])![1];
  t.is(await api.context.redis.call('CLIENT', 'KILL', 'ID', id), 1);
  await resubscribed;
  t.true(api.entitlements.subscribed);
  t.deepEqual(await entitlementsOf(await read(url, path, key)), [seats(7)]);
});

test('when its heartbeat goes unheard (a subscription moved with no disconnect) the in-process tier is cleared and off until beats arrive again', async (t) => {
  const { api, config } = await startServices(t);
  // The beats leave through a connection of the test's own, so the test can stop them arriving.
  const publisher = createRedis(config, 'producer', 'heartbeat-publisher');
  t.teardown(() => closeRedis(publisher));
  t.true(await waitForRedis(publisher, 5000), 'beats can leave from the start');
  const cache = new EntitlementCache({ ...api.context, redis: publisher }, { heartbeatMs: 200 });
  t.teardown(() => cache.stop());
  await cache.start();
  t.true(cache.subscribed);
  const customer = await seedCustomer(api.context.db, [pro]);
  const features = async () => [...(await cache.get(customer.stripeId)).byFeature.keys()];
  t.deepEqual(await features(), ['pro']);

  // A change whose message this process never got: the Redis side of an invalidation, without the publish.
  await setStoredFeatures(api.context.db, customer.id, [seats(7)]);
  await api.context.redis.multi().incr(cacheKeys.epoch(config.REDIS_PREFIX, customer.stripeId)).del(cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId)).exec();
  t.deepEqual(await features(), ['pro'], 'memory still holds the old answer');

  publisher.disconnect();
  await eventually(() => Promise.resolve(!cache.subscribed), 10_000, 20);
  t.deepEqual(await features(), ['seats'], 'with beats unheard, memory was cleared and reads go to Redis and Postgres');

  const back = once(cache, 'subscribed');
  await publisher.connect();
  await back;
  t.true(cache.subscribed);
  t.deepEqual(await features(), ['seats']);
});
