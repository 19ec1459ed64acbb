import test from 'ava';
import { ConfigError, parseConfig } from '../../shared/infra/config.js';
import { eventShardKey } from '../../shared/events/enqueue.js';
import { cacheKeys, customerTag, keyspace } from '../../shared/entitlements/cache-keys.js';
import { consumedShards, shardOf, shardPrefix } from '../../shared/infra/queues.js';
import { redisTarget } from '../../shared/infra/redis.js';

const base = {
  DATABASE_URL: 'postgres://u@localhost:5432/billing',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_one',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

test('Redis is a URL, a Cluster or Sentinels: the cluster wins over the URL, Sentinels need their master name', (t) => {
  t.deepEqual(redisTarget(parseConfig({ ...base, REDIS_URL: 'redis://h:6379' })), { kind: 'single', url: 'redis://h:6379' });
  t.deepEqual(redisTarget(parseConfig({ ...base, REDIS_URL: 'redis://:pw@h:6379', REDIS_CLUSTER_NODES: 'a:7000, b.example:7001' })), {
    kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b.example', port: 7001 }], url: 'redis://:pw@h:6379',
  });
  t.deepEqual(redisTarget(parseConfig({ ...base, REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'main' })), {
    kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'main',
  });
  t.deepEqual(redisTarget({ REDIS_CLUSTER_NODES: ['a:1'], REDIS_SENTINELS: ['s:2'] }), { kind: 'cluster', nodes: [{ host: 'a', port: 1 }] });
  t.deepEqual(redisTarget({ REDIS_SENTINELS: ['s:2'] }), { kind: 'sentinel', sentinels: [{ host: 's', port: 2 }], name: 'mymaster' });
  t.deepEqual(redisTarget({}), { kind: 'single', url: 'redis://127.0.0.1:6379' });
});

test('each bad Redis or sharding setting is named', (t) => {
  t.deepEqual(problems({}), ['REDIS_URL: is required unless REDIS_CLUSTER_NODES or REDIS_SENTINELS is set']);
  t.true(problems({ REDIS_CLUSTER_NODES: 'nohost' }).some((issue) => issue.startsWith('REDIS_CLUSTER_NODES.0: each entry must be host:port')));
  t.true(problems({ REDIS_CLUSTER_NODES: 'a:70000' }).some((issue) => issue.startsWith('REDIS_CLUSTER_NODES.0: each port')));
  t.true(problems({ REDIS_SENTINELS: 'a:26379' }).some((issue) => issue.startsWith('REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS')));
  t.true(problems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PREFIX: 'billing' }).some((issue) => issue.startsWith('REDIS_PREFIX: needs a hash tag')));
  t.deepEqual(problems({ REDIS_URL: 'redis://h', QUEUE_SHARDS: '3', QUEUE_SHARDS_CONSUMED: '1,3' }), ['QUEUE_SHARDS_CONSUMED: names shard 3, but QUEUE_SHARDS is 3 (shards 0 to 2)']);
  t.true(problems({ REDIS_URL: 'redis://h', QUEUE_SHARDS_CONSUMED: 'x' }).some((issue) => issue.startsWith('QUEUE_SHARDS_CONSUMED.0:')));
  t.true(problems({ REDIS_URL: 'redis://h', QUEUE_SHARDS: '0' }).some((issue) => issue.startsWith('QUEUE_SHARDS:')));
  t.true(problems({ REDIS_URL: 'redis://h', DATABASE_REPLICA_URLS: 'mysql://x' }).some((issue) => issue.startsWith('DATABASE_REPLICA_URLS.0:')));
});

test('queue shards: shard 0 is the prefix itself, the others a hash tag of their own; a customer always hashes to the same shard', (t) => {
  t.is(shardPrefix('{billing}', 0), '{billing}');
  t.is(shardPrefix('{billing}', 2), '{billing-q2}');
  t.is(shardPrefix('app:{billing}', 1), 'app:{billing-q1}');
  t.is(shardPrefix('billing', 1), '{billing-q1}');
  t.is(shardOf('cus_anything', 1), 0);
  const counts = [0, 0, 0];
  for (let index = 0; index < 3000; index += 1) {
    const shard = shardOf(`cus_${index}`, 3);
    t.is(shardOf(`cus_${index}`, 3), shard);
    counts[shard] = (counts[shard] ?? 0) + 1;
  }
  t.true(counts.every((count) => count > 800), `spread over the shards: ${counts.join(', ')}`);
  t.deepEqual(consumedShards({ QUEUE_SHARDS: 3, QUEUE_SHARDS_CONSUMED: undefined }), [0, 1, 2]);
  t.deepEqual(consumedShards({ QUEUE_SHARDS: 3, QUEUE_SHARDS_CONSUMED: ['2', '0', '2'] }), [0, 2]);
});

test("an event's shard key is its customer, whichever way the object names it; the event id otherwise", (t) => {
  t.is(eventShardKey({ id: 'evt_1', payload: { data: { object: { object: 'customer', id: 'cus_a' } } } }), 'cus_a');
  t.is(eventShardKey({ id: 'evt_1', payload: { data: { object: { object: 'subscription', id: 'sub_1', customer: 'cus_b' } } } }), 'cus_b');
  t.is(eventShardKey({ id: 'evt_1', payload: { data: { object: { object: 'invoice', customer: { id: 'cus_c' } } } } }), 'cus_c');
  t.is(eventShardKey({ id: 'evt_1', payload: { data: { object: { object: 'product', id: 'prod_1' } } } }), 'evt_1');
  t.is(eventShardKey({ id: 'evt_2' }), 'evt_2');
});

test("cache keys carry the customer's hash tag and nothing else in braces", (t) => {
  t.is(keyspace('{billing}'), 'billing');
  t.is(customerTag('cus_1'), '{cust:cus_1}');
  t.is(cacheKeys.entry('{billing}', 'cus_1'), 'billing:ent:{cust:cus_1}');
  t.is(cacheKeys.epoch('{billing}', 'cus_1'), 'billing:ent-epoch:{cust:cus_1}');
});
