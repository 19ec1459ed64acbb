import test from 'ava';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { queueNames, shardPrefix } from '../../shared/infra/queues.js';
import { clusterConnection, expectAllPro, failoverStack, runLoad } from '../support/failover-load.js';
import { masterOf, startRedisCluster, startRedisSentinel } from '../support/redis-cluster.js';

test.serial('Redis Cluster (3 masters, 3 replicas), 3 queue shards: a master killed mid-load loses nothing acknowledged and the service recovers by itself', async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(cluster.stop);
  // REDIS_URL stays set by the test configuration: the cluster nodes win over it.
  const stack = await failoverStack(t, { REDIS_CLUSTER_NODES: cluster.nodes.join(','), QUEUE_SHARDS: '3' });
  const redis = clusterConnection(stack);

  let killedAt = 0;
  let victim = 0;
  const outcome = await runLoad(stack, {
    events: 60, concurrency: 6, faultAfter: 20,
    fault: async () => {
      [victim = 0] = await cluster.masters();
      killedAt = Date.now();
      await cluster.kill(victim);
    },
  });
  await cluster.healthy();
  const failoverMs = Date.now() - killedAt;
  t.true((await cluster.masters()).every((port) => port !== victim), 'a replica took the killed master\'s place');
  t.is(outcome.refused, 0, 'the inbox is Postgres: every webhook is acknowledged');
  t.is(outcome.failedReads, 0, 'reads fall back to Postgres while Redis fails over');
  await expectAllPro(t, stack, outcome.acknowledged);
  const recoveredMs = Date.now() - killedAt;

  // The keys spread: the customers' cache entries and the three queue shards over several masters.
  const entryMasters = new Set(await Promise.all(outcome.acknowledged.map((id) => masterOf(redis, cacheKeys.entry(stack.config.REDIS_PREFIX, id)))));
  t.true(entryMasters.size >= 2, `cache entries on ${entryMasters.size} masters`);
  const shardSlots = new Set(await Promise.all([0, 1, 2].map((shard) => redis.cluster('KEYSLOT', `${shardPrefix(stack.config.REDIS_PREFIX, shard)}:${queueNames.events}:wait`))));
  t.is(shardSlots.size, 3, 'each queue shard has a slot of its own');
  t.log(`cluster: ${outcome.acknowledged.length} events acknowledged, ${outcome.reads} reads during load; master :${victim} killed; cluster healthy again after ${failoverMs} ms; every event processed and read back after ${recoveredMs} ms`);
});

test.serial('Redis Sentinel (master, replica, one Sentinel): the master killed mid-load loses nothing acknowledged and the service follows the new master', async (t) => {
  const group = await startRedisSentinel();
  t.teardown(group.stop);
  const stack = await failoverStack(t, { REDIS_SENTINELS: group.sentinels.join(','), REDIS_SENTINEL_NAME: group.name, QUEUE_SHARDS: '2' });
  const first = await group.master();
  let killedAt = 0;
  const outcome = await runLoad(stack, {
    events: 40, concurrency: 4, faultAfter: 12,
    fault: async () => { killedAt = Date.now(); await group.kill(first); },
  });
  t.is(outcome.refused, 0, 'the inbox is Postgres: every webhook is acknowledged');
  t.is(outcome.failedReads, 0, 'reads fall back to Postgres while Redis fails over');
  await expectAllPro(t, stack, outcome.acknowledged);
  const recoveredMs = Date.now() - killedAt;
  t.not(await group.master(), first, 'the Sentinel promoted the replica');
  t.log(`sentinel: ${outcome.acknowledged.length} events acknowledged, ${outcome.reads} reads during load; master :${first} killed; every event processed and read back after ${recoveredMs} ms`);
});
