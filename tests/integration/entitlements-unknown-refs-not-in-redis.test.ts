import test from 'ava';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { cacheKeys, keyspace } from '../../shared/entitlements/cache-keys.js';
import type { Redis } from '../../shared/infra/redis.js';
import { startServices } from '../support/services.js';
import { countQueries, keyFor, pro, read, seedCustomer } from './entitlements-fixtures.js';

/** Every entitlement cache key of the test's prefix. */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyspace(prefix)}:ent*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

test('2,000 reads of unknown references create no Redis key', async (t) => {
  const { url, api, config } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro]);
  const key = await keyFor(api.context.db);
  t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).status, 200);
  for (let batch = 0; batch < 2000; batch += 50) {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => read(url, `/v1/customers/user_made_up_${batch + index}/entitlements`, key)));
    t.true(responses.every((response) => response.status === 200));
    await Promise.all(responses.map((response) => response.arrayBuffer()));
  }
  t.deepEqual(await keysUnder(api.context.redis, config.REDIS_PREFIX), [cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId)], 'only the known customer has an entry');
});

test('unknown references are remembered in-process, in a bounded LRU of their own that cannot push out a known customer', async (t) => {
  const { api } = await startServices(t);
  const known = await seedCustomer(api.context.db, [pro]);
  // A clock that stands still: only eviction, never expiry, decides what stays in memory.
  const at = new Date();
  const cache = new EntitlementCache(api.context, { maxUnknownEntries: 10, maxMemoryEntries: 5, now: () => at });
  await cache.start();
  t.teardown(() => cache.stop());
  await cache.get(known.stripeId);
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  await cache.get('user_nobody');
  await cache.get('user_nobody');
  t.is(queries.count(), 1, 'the second read of an unknown reference is served from memory');
  for (let index = 0; index < 10; index += 1) await cache.get(`user_other_${index}`);
  t.is(queries.count(), 11);
  await cache.get('user_nobody');
  t.is(queries.count(), 12, 'past its bound the least recently read unknown reference was forgotten');
  await cache.get(known.stripeId);
  t.is(queries.count(), 12, 'the known customer is still in memory after 11 unknown references (its own tier holds 5)');
});
