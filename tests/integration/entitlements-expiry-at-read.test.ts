import test from 'ava';
import { createApp } from '../../api/app.js';
import { closeServer, listen, portOf } from '../../api/server.js';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { startServices } from '../support/services.js';
import { countQueries, keyFor, pro, read, seedCustomer } from './entitlements-fixtures.js';

const hour = 3_600_000;

test('an entitlement whose expiry has passed is not served, without any job or invalidation', async (t) => {
  const { api, config } = await startServices(t);
  const { db } = api.context;
  let clock = new Date();
  const cache = new EntitlementCache(api.context, { now: () => clock });
  await cache.start();
  const server = await listen(createApp(api.context, { entitlements: cache }), 0);
  t.teardown(async () => { await closeServer(server); await cache.stop(); });
  const url = `http://127.0.0.1:${portOf(server)}`;

  const customer = await seedCustomer(db, [], null);
  const expiresAt = new Date(clock.getTime() + hour);
  const [grant] = await db('grants')
    .insert({ customer_id: customer.id, feature: 'beta', value: JSON.stringify(5), reason: 'trial', created_by: 'test', expires_at: expiresAt })
    .returning<{ id: string }[]>('id');
  await recomputeCustomer(api.context, customer.id, { actor: 'system' }, clock);
  const key = await keyFor(db);
  const path = `/v1/customers/${customer.stripeId}/entitlements`;

  const before = (await (await read(url, path, key)).json()) as { entitlements: unknown[] };
  t.deepEqual(before.entitlements, [{ feature: 'beta', value: 5, sources: [{ kind: 'grant', id: grant.id }], expires_at: expiresAt.toISOString() }]);
  const ttl = await api.context.redis.pttl(cacheKeys.entry(config.REDIS_PREFIX, customer.stripeId));
  t.true(ttl > 0 && ttl <= Math.min(hour, config.ENTITLEMENT_CACHE_TTL_SECONDS * 1000), `Redis TTL ${ttl} ms`);

  clock = new Date(expiresAt.getTime() + 1000);
  const queries = countQueries(db);
  t.teardown(queries.stop);
  const after = (await (await read(url, path, key)).json()) as { entitlements: unknown[]; as_of: string };
  t.deepEqual(after.entitlements, [], 'the stored row is stale, so the answer was computed live');
  t.is(after.as_of, clock.toISOString());
  t.deepEqual(await (await read(url, `${path}/beta`, key)).json(), { feature: 'beta', entitled: false, value: null, expires_at: null });
  const stored = await db('entitlements').where({ customer_id: customer.id }).first<{ features: unknown[] }>();
  t.is(stored.features.length, 1, 'reads never write: the worker stores the recomputed row');
  const live = queries.count();
  t.true(live > 1, 'a stale row is recomputed from the mirror');
  await read(url, path, key);
  t.is(queries.count(), live, 'the live answer (which never changes by itself) is cached');
});

test('a stored row whose next change is still ahead is served as stored, in one query', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro], new Date(Date.now() + hour));
  const key = await keyFor(api.context.db);
  await read(url, '/v1/customers/cus_warmthekey/entitlements', key);
  const queries = countQueries(api.context.db);
  t.teardown(queries.stop);
  t.deepEqual(((await (await read(url, `/v1/customers/${customer.userId}/entitlements`, key)).json()) as { entitlements: unknown[] }).entitlements, [pro]);
  t.is(queries.count(), 1);
});
