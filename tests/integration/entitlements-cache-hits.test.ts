import test from 'ava';
import { start } from '../../api/main.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { startServices } from '../support/services.js';
import { cacheCount, countQueries, keyFor, pro, read, seedCustomer } from './entitlements-fixtures.js';

test('after the first read, reads are served from memory without any Postgres query', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  await read(url, '/v1/customers/cus_warmthekey/entitlements', key);
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).status, 200);
  t.is(queries.count(), 1, 'the miss reads Postgres once (customer joined with its stored entitlements)');
  for (let i = 0; i < 20; i += 1) {
    t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements${i % 2 ? '/pro' : ''}`, key)).status, 200);
  }
  t.is(queries.count(), 1, 'hits make no Postgres query');
  t.is(await cacheCount(api, 'memory', 'hit'), 20);
  t.is(await cacheCount(api, 'redis', 'miss'), 2, 'the warm-up read and the first read');
});

test('100 concurrent misses for one customer cost one Postgres read', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  await read(url, '/v1/customers/cus_warmthekey/entitlements', key);
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  const responses = await Promise.all(Array.from({ length: 100 }, () => read(url, `/v1/customers/${customer.userId}/entitlements`, key)));
  t.true(responses.every((response) => response.status === 200));
  const bodies = await Promise.all(responses.map((response) => response.json() as Promise<{ entitlements: unknown[] }>));
  t.true(bodies.every((body) => body.entitlements.length === 1));
  t.is(queries.count(), 1);
});

test('a second api process sharing the prefix is served from Redis without a Postgres query', async (t) => {
  const { url, api, config } = await startServices(t);
  const second = await start(config, { silentLogs: true });
  t.teardown(second.stop);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).status, 200);
  const stored = await api.context.redis.pttl(cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId));
  t.true(stored > 0 && stored <= config.ENTITLEMENT_CACHE_TTL_SECONDS * 1000, `the Redis entry has a TTL (${stored} ms)`);
  const secondUrl = `http://127.0.0.1:${second.port}`;
  await read(secondUrl, '/v1/customers/cus_warmthekey/entitlements', key);
  const queries = countQueries(second.context.db);
  t.teardown(queries.stop);
  const response = await read(secondUrl, `/v1/customers/${customer.stripeId}/entitlements`, key);
  t.is(response.status, 200);
  t.deepEqual(((await response.json()) as { entitlements: unknown[] }).entitlements, [pro]);
  t.is(queries.count(), 0);
  t.is(await cacheCount(second, 'redis', 'hit'), 1);
});

test('an unknown customer is cached too', async (t) => {
  const { url, api } = await startServices(t);
  const key = await keyFor(api.context.db);
  await read(url, '/v1/customers/cus_warmthekey/entitlements', key);
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  for (let i = 0; i < 5; i += 1) t.is((await read(url, '/v1/customers/user_never_seen/entitlements', key)).status, 200);
  t.is(queries.count(), 1);
});

test('a Redis entry whose epoch moved during the Postgres read is not stored', async (t) => {
  const { url, api, config } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  await read(url, '/v1/customers/cus_warmthekey/entitlements', key);
  // An invalidation lands while the reader is in Postgres: the epoch is bumped on the same
  // connection before the reader's conditional store, so the ordering is deterministic.
  const epochKey = cacheKeys.epoch(config.REDIS_PREFIX, customer.stripeId);
  const bump = () => { void api.context.redis.incr(epochKey); };
  api.context.db.once('query', bump);
  t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).status, 200);
  t.is(await api.context.redis.exists(cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId)), 0, 'the possibly stale answer was dropped');
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key);
  t.is(queries.count(), 1, 'nor kept in memory: the next read goes to Postgres again');
  await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key);
  t.is(queries.count(), 1, 'and that one, undisturbed, is cached');
});
