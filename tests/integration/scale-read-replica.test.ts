import test, { type ExecutionContext } from 'ava';
import { start as startApi } from '../../api/main.js';
import { invalidateEntitlements } from '../../shared/entitlements/invalidate-entitlements.js';
import { createDb } from '../../shared/infra/db.js';
import { testConfig } from '../support/config.js';
import { startPrimaryWithReplica } from '../support/pg-replica.js';
import { eventually } from '../support/processes.js';
import { countQueries, keyFor, pro, read, seats, seedCustomer, setStoredFeatures } from './entitlements-fixtures.js';

/** Replica reads of a real streaming replica; one primary and replica for the whole file, each test its own Redis prefix. */
const setup = startPrimaryWithReplica();
test.after.always(async () => (await setup).stop());

async function apiOnReplica(t: ExecutionContext, maxLagMs: number) {
  const { primaryUrl, replicaUrl } = await setup;
  const config = testConfig(primaryUrl, { DATABASE_REPLICA_URLS: replicaUrl, REPLICA_MAX_LAG_MS: String(maxLagMs) });
  const api = await startApi(config, { silentLogs: true });
  t.teardown(api.stop);
  const replicaDb = createDb({ url: replicaUrl, poolMax: 1 });
  t.teardown(() => replicaDb.destroy());
  const replicas = api.context.replicas;
  if (!replicas) throw new TypeError('the api has no replicas');
  return { api, config, replicas, replicaDb, url: `http://127.0.0.1:${api.port}`, key: await keyFor(api.context.db), admin: await keyFor(api.context.db, 'admin') };
}

const customersListed = async (url: string, key: string) => ((await (await read(url, '/admin/customers?limit=100', key)).json()) as { data: { stripe_customer_id: string }[] }).data.map((row) => row.stripe_customer_id);

test.serial('a current replica serves entitlement cache misses and admin lists; writes and key checks stay on the primary', async (t) => {
  const { api, replicas, url, key, admin } = await apiOnReplica(t, 2000);
  const customer = await seedCustomer(api.context.db, [pro]);
  await eventually(async () => (await replicas.poll(), replicas.pick() !== undefined), 10_000, 100);
  const replicaQueries = countQueries(replicas.pick()!.db);
  t.teardown(replicaQueries.stop);
  // The customer reaches the replica within the lag; until then a miss may be served by the primary.
  await eventually(async () => (await customersListed(url, admin)).includes(customer.stripeId), 10_000, 100);
  const listed = replicaQueries.count();
  t.true(listed > 0, 'the admin list read the replica');
  const response = await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key);
  t.is(response.status, 200);
  t.deepEqual(((await response.json()) as { entitlements: { feature: string }[] }).entitlements.map((entry) => entry.feature), ['pro']);
  t.true(replicaQueries.count() > listed, 'the cache miss read the replica');
});

test.serial('a replica lagging more than REPLICA_MAX_LAG_MS is skipped: lists come from the primary', async (t) => {
  const { api, replicas, replicaDb, url, admin } = await apiOnReplica(t, 300);
  await replicaDb.raw('select pg_wal_replay_pause()');
  t.teardown(() => replicaDb.raw('select pg_wal_replay_resume()'));
  const customer = await seedCustomer(api.context.db, [pro]);
  await eventually(async () => (await replicas.poll(), replicas.pick() === undefined), 10_000, 100);
  t.true((await customersListed(url, admin)).includes(customer.stripeId), 'the primary answered, with the customer the replica has not replayed');
  await replicaDb.raw('select pg_wal_replay_resume()');
  await eventually(async () => (await replicas.poll(), replicas.pick() !== undefined), 10_000, 100);
  t.truthy(replicas.pick(), 'once caught up the replica serves again');
});

test.serial('a min_version read after a write reads the primary while the replica has not replayed that write', async (t) => {
  // A generous lag: the replica stays in use, yet it is behind this customer's change.
  const { api, config, replicas, replicaDb, url, key } = await apiOnReplica(t, 60_000);
  const customer = await seedCustomer(api.context.db, [pro]);
  await eventually(async () => (await replicaDb('customers').where({ stripe_customer_id: customer.stripeId }).first()) !== undefined, 10_000, 100);
  await replicas.poll();
  t.is((await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key)).status, 200);
  await replicaDb.raw('select pg_wal_replay_pause()');
  t.teardown(() => replicaDb.raw('select pg_wal_replay_resume()'));
  await setStoredFeatures(api.context.db, customer.id, [pro, seats(5)]);
  const [{ version }] = await api.context.db('entitlements').where({ customer_id: customer.id }).increment('version', 1).returning<{ version: number }[]>('version');
  await invalidateEntitlements(api.context.redis, config, [customer.stripeId]);
  await replicas.poll();
  t.truthy(replicas.pick(), 'the replica is still within the lag');
  const response = await read(url, `/v1/customers/${customer.stripeId}/entitlements?min_version=${version}&wait_ms=2000`, key);
  const body = (await response.json()) as { version: number; entitlements: { feature: string }[] };
  t.is(response.status, 200);
  t.is(body.version, version, 'the version written, not the replica\'s older one');
  t.deepEqual(body.entitlements.map((entry) => entry.feature), ['pro', 'seats']);
});
