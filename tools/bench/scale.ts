import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { startRedisCluster, type RedisCluster } from '../../tests/support/redis-cluster.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { round } from './support/figures.js';
import { freePort, projectRoot, startChild, stopChild, waitForHttp } from './support/processes.js';
import { deleteKeys } from './support/redis-keys.js';
import { signedEvent, webhookSecret } from './support/signed-events.js';
import { seedSubscriptions, startSimulator } from './support/simulator.js';

/**
 * What a capacity plan needs, in one run: one api and one worker process (compiled) on a single
 * Redis with one queue shard, then on a local Redis Cluster of 3 masters with 1 and with 3 queue
 * shards. For each: webhook events through the api until processed (events/s), entitlement reads
 * of the processed customers (reads/s), and per event the Redis commands and network bytes each
 * Redis node handled (`INFO commandstats` and `INFO stats` deltas, less what the idle processes
 * cost in the same time). Beside them, the bare ceilings of the reads and ingest benchmarks on the
 * single Redis. Then the size of what stays: Redis bytes per customer (cache entry and epoch,
 * `MEMORY USAGE`) and per event (used_memory growth), Postgres rows and bytes per table.
 */

export interface NodeCost { node: string; commandsPerEvent: number; bytesInPerEvent: number; bytesOutPerEvent: number }
export interface TopologyFigures { topology: string; shards: number; eventsPerSecond: number; readsPerSecond: number; perNode: NodeCost[] }
export interface ScaleBenchmarkResult {
  events: number;
  ceiling: { readsPerSecond: number; ingestPerSecond: number };
  runs: TopologyFigures[];
  redis: { bytesPerCustomer: number; keysPerCustomer: number; usedMemoryPerEvent: number };
  postgres: { table: string; rows: number; bytes: number; bytesPerRow: number }[];
}

const events = 200;
const readSeconds = 3;
const connections = 32;

interface NodeStats { commands: number; bytesIn: number; bytesOut: number; usedMemory: number }

async function nodeStats(client: Redis): Promise<NodeStats> {
  const info = await client.info('all');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  // commandstats lines: cmdstat_get:calls=12,usec=…; INFO itself is not the service's.
  const commands = [...info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)].filter(([, name]) => name !== 'info').reduce((sum, [, , calls]) => sum + Number(calls), 0);
  return { commands, bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes'), usedMemory: field('used_memory') };
}

const statsOf = (nodes: Map<string, Redis>) => Promise.all([...nodes].map(async ([name, client]) => [name, await nodeStats(client)] as const));
const minus = (a: NodeStats, b: NodeStats): NodeStats => ({ commands: a.commands - b.commands, bytesIn: a.bytesIn - b.bytesIn, bytesOut: a.bytesOut - b.bytesOut, usedMemory: a.usedMemory - b.usedMemory });

/** Posts every event (signed) with `lanes` in flight; resolves with the seconds it took. */
async function postAll(url: string, bodies: { body: string; signature: string }[], lanes = 16): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
  const target = new URL(url);
  const post = (event: { body: string; signature: string }) => new Promise<void>((resolve, reject) => {
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': event.signature } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`webhook answered ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(event.body);
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let event = bodies[next++]; event; event = bodies[next++]) await post(event);
  }));
  agent.destroy();
  return (performance.now() - started) / 1000;
}

async function readsPerSecond(url: string, paths: string[], headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, connections, duration: readSeconds, headers, requests: paths.map((p) => ({ method: 'GET', path: p })) });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} reads answered non-2xx`);
  return Math.round(result.requests.average);
}

interface Topology { name: string; shards: number; env: Record<string, string>; nodes: () => Map<string, Redis> }

async function runTopology(topology: Topology, sim: { url: string }, subscriptions: Record<string, unknown>[]): Promise<{ figures: TopologyFigures; database: { url: string; drop: () => Promise<void> }; customers: string[] }> {
  const database = await createBenchDatabase();
  const prefix = `{bench-scale-${Math.random().toString(16).slice(2, 8)}}`;
  const children: Parameters<typeof stopChild>[0][] = [];
  const nodes = topology.nodes();
  try {
    const env = {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', QUEUE_SHARDS: String(topology.shards),
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: sim.url, RECONCILE_SCHEDULES: 'false',
      STRIPE_RATE_LIMIT_PER_SECOND: '1000', WORKER_CONCURRENCY: '10', CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'), ...topology.env,
    };
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const api = startChild('api/main.ts', [], { ...env, PORT: String(apiPort), METRICS_PORT: '0' });
    children.push(api.child);
    const worker = startChild('workers/main.ts', [], { ...env, METRICS_PORT: String(workerPort) });
    children.push(worker.child);
    await waitForHttp(`http://127.0.0.1:${apiPort}/readyz`, 200, api.output, 60_000);
    await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`, 200, worker.output, 60_000);

    const bodies = subscriptions.map((subscription) => signedEvent(subscription, 'customer.subscription.created'));
    const ids = bodies.map((event) => (JSON.parse(event.body) as { id: string }).id);
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    try {
      // What the idle processes cost Redis (polling, stalled checks, the relay), to subtract below.
      const idleFrom = await statsOf(nodes);
      const idleStarted = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const idle = (await statsOf(nodes)).map(([name, stats], i) => [name, minus(stats, idleFrom[i][1])] as const);
      const idleSeconds = (performance.now() - idleStarted) / 1000;

      const before = await statsOf(nodes);
      const started = performance.now();
      await postAll(`http://127.0.0.1:${apiPort}/webhooks/stripe`, bodies);
      const processed = async () => Number((await db('stripe_events').whereIn('id', ids).where({ status: 'processed' }).count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0);
      const deadline = Date.now() + 120_000;
      while ((await processed()) < ids.length) {
        if (Date.now() > deadline) throw new Error(`${await processed()}/${ids.length} events processed in 120 s; worker output:\n${worker.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      const after = await statsOf(nodes);
      const perNode = after.map(([node, stats], i) => {
        const used = minus(stats, before[i][1]);
        const background = idle[i][1];
        const less = (value: number, idleValue: number) => round(Math.max(0, value - (idleValue * seconds) / idleSeconds) / ids.length, 1);
        return { node, commandsPerEvent: less(used.commands, background.commands), bytesInPerEvent: less(used.bytesIn, background.bytesIn), bytesOutPerEvent: less(used.bytesOut, background.bytesOut) };
      });

      const rows = await db('customers').select<{ stripe_customer_id: string }[]>('stripe_customer_id');
      const customers = rows.map((row) => row.stripe_customer_id);
      const { key } = await createKey(db, { name: 'bench-scale', scope: 'read' });
      const paths = customers.map((ref) => `/v1/customers/${ref}/entitlements`);
      const reads = await readsPerSecond(`http://127.0.0.1:${apiPort}`, paths, { authorization: `Bearer ${key}` });
      return { figures: { topology: topology.name, shards: topology.shards, eventsPerSecond: Math.round(ids.length / seconds), readsPerSecond: reads, perNode }, database, customers };
    } finally {
      await db.destroy();
    }
  } catch (error) {
    await database.drop();
    throw error;
  } finally {
    await Promise.all(children.map(stopChild));
    for (const client of nodes.values()) client.disconnect();
  }
}

/** The reads and ingest ceilings of the other benchmarks, on the single Redis. */
async function ceilings(subscriptions: Record<string, unknown>[]): Promise<{ readsPerSecond: number; ingestPerSecond: number }> {
  const redis = new Redis(benchEnvironment.redisUrl);
  const prefix = `{bench-scale-ceiling-${Math.random().toString(16).slice(2, 8)}}`;
  const database = await createBenchDatabase();
  const children: Parameters<typeof stopChild>[0][] = [];
  try {
    await redis.set(`${prefix}:ceiling`, JSON.stringify({ entitlements: [{ feature: 'pro', value: true }] }));
    const [readPort, ingestPort] = [await freePort(), await freePort()];
    const read = startChild('tools/bench/support/ceiling-server.ts', [String(readPort), benchEnvironment.redisUrl, `${prefix}:ceiling`], { NODE_ENV: 'production' });
    children.push(read.child);
    const ingest = startChild('tools/bench/support/ingest-ceiling-server.ts', [String(ingestPort), database.url, benchEnvironment.redisUrl, prefix, webhookSecret], { NODE_ENV: 'production' });
    children.push(ingest.child);
    await waitForHttp(`http://127.0.0.1:${readPort}/v1/customers/x/entitlements`, 200, read.output);
    const bodies = subscriptions.map((subscription) => signedEvent(subscription, 'customer.subscription.created'));
    await waitForHttp(`http://127.0.0.1:${ingestPort}/nothing`, 404, ingest.output);
    const ingestSeconds = await postAll(`http://127.0.0.1:${ingestPort}/webhooks/stripe`, bodies);
    const reads = await readsPerSecond(`http://127.0.0.1:${readPort}`, ['/v1/customers/x/entitlements'], {});
    return { readsPerSecond: reads, ingestPerSecond: Math.round(bodies.length / ingestSeconds) };
  } finally {
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await database.drop();
  }
}

async function redisSizes(cluster: RedisCluster, customers: string[], usedMemoryGrowth: number): Promise<ScaleBenchmarkResult['redis']> {
  let bytes = 0;
  let keys = 0;
  for (const node of cluster.nodes) {
    const [host = '', port = ''] = node.split(':');
    const client = new Redis({ host, port: Number(port) });
    try {
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', '*{cust:*', 'COUNT', 1000);
        cursor = next;
        for (const key of found) {
          bytes += Number(await client.memory('USAGE', key));
          keys += 1;
        }
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  }
  return { bytesPerCustomer: Math.round(bytes / customers.length), keysPerCustomer: round(keys / customers.length, 1), usedMemoryPerEvent: Math.round(usedMemoryGrowth / events) };
}

async function postgresSizes(databaseUrl: string): Promise<ScaleBenchmarkResult['postgres']> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    await db.raw('analyze');
    const tables = ['stripe_events', 'customers', 'subscriptions', 'subscription_items', 'entitlements', 'audit_log', 'change_log'];
    const out: ScaleBenchmarkResult['postgres'] = [];
    for (const table of tables) {
      const exists = await db.schema.hasTable(table);
      if (!exists) continue;
      const rows = Number((await db(table).count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0);
      const { rows: [size] } = await db.raw<{ rows: { bytes: string }[] }>('select pg_total_relation_size(?) as bytes', [table]);
      const bytes = Number(size?.bytes ?? 0);
      out.push({ table, rows, bytes, bytesPerRow: rows ? Math.round(bytes / rows) : 0 });
    }
    return out;
  } finally {
    await db.destroy();
  }
}

export async function runScaleBenchmark(): Promise<ScaleBenchmarkResult> {
  const sim = await startSimulator();
  const cluster = await startRedisCluster({ replicas: 0 });
  const drops: (() => Promise<void>)[] = [];
  try {
    const subscriptions = (await seedSubscriptions(sim.url, events)) as unknown as Record<string, unknown>[];
    const ceiling = await ceilings(subscriptions);
    process.stdout.write(`  ceilings: reads ${ceiling.readsPerSecond}/s, ingest ${ceiling.ingestPerSecond} events/s (load average ${os.loadavg().map((load) => load.toFixed(1)).join(', ')})\n`);
    const single = new URL(benchEnvironment.redisUrl);
    const singleNodes = () => new Map([[`single :${single.port}`, new Redis(benchEnvironment.redisUrl)]]);
    const clusterNodes = () => new Map(cluster.nodes.map((node) => [`master ${node.replace(/^.*:/, ':')}`, new Redis({ host: node.split(':')[0], port: Number(node.split(':')[1]) })]));
    const topologies: Topology[] = [
      { name: 'single Redis', shards: 1, env: { REDIS_URL: benchEnvironment.redisUrl }, nodes: singleNodes },
      { name: 'single Redis', shards: 3, env: { REDIS_URL: benchEnvironment.redisUrl }, nodes: singleNodes },
      { name: 'Redis Cluster, 3 masters', shards: 1, env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') }, nodes: clusterNodes },
      { name: 'Redis Cluster, 3 masters', shards: 3, env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') }, nodes: clusterNodes },
    ];
    const runs: TopologyFigures[] = [];
    let sizes: Pick<ScaleBenchmarkResult, 'redis' | 'postgres'> | undefined;
    for (const topology of topologies) {
      const memoryBefore = topology.shards === 3 && topology.env.REDIS_CLUSTER_NODES ? await clusterUsedMemory(cluster) : 0;
      const { figures, database, customers } = await runTopology(topology, sim, subscriptions);
      drops.push(database.drop);
      runs.push(figures);
      process.stdout.write(`  ${figures.topology}, ${figures.shards} shard(s): ${figures.eventsPerSecond} events/s, ${figures.readsPerSecond} reads/s; per event ${JSON.stringify(figures.perNode)} (load average ${os.loadavg().map((load) => load.toFixed(1)).join(', ')})\n`);
      if (memoryBefore) sizes = { redis: await redisSizes(cluster, customers, (await clusterUsedMemory(cluster)) - memoryBefore), postgres: await postgresSizes(database.url) };
    }
    if (!sizes) throw new Error('no cluster run measured sizes');
    return { events, ceiling, runs, ...sizes };
  } finally {
    for (const drop of drops) await drop().catch(() => undefined);
    await cluster.stop();
    await stopChild(sim.child);
  }
}

async function clusterUsedMemory(cluster: RedisCluster): Promise<number> {
  let total = 0;
  for (const node of cluster.nodes) {
    const client = new Redis({ host: node.split(':')[0], port: Number(node.split(':')[1]) });
    try {
      total += (await nodeStats(client)).usedMemory;
    } finally {
      client.disconnect();
    }
  }
  return total;
}

export function formatScaleResult(result: ScaleBenchmarkResult): string {
  const lines = [
    `scale: ${result.events} customer.subscription.created events per topology through one api and one worker process, then ${readSeconds} s of reads over the processed customers`,
    `ceilings on the single Redis: reads ${result.ceiling.readsPerSecond}/s (Express + ioredis GET), ingest ${result.ceiling.ingestPerSecond} events/s (verify + insert + add)`,
  ];
  for (const run of result.runs) {
    lines.push(`${run.topology}, ${run.shards} queue shard(s): ${run.eventsPerSecond} events/s (ingest + processing), ${run.readsPerSecond} reads/s`);
    for (const node of run.perNode) lines.push(`    ${node.node.padEnd(16)} ${String(node.commandsPerEvent).padStart(7)} commands/event ${String(node.bytesInPerEvent).padStart(8)} B in/event ${String(node.bytesOutPerEvent).padStart(8)} B out/event`);
  }
  lines.push(`Redis: ${result.redis.bytesPerCustomer} B per read customer in ${result.redis.keysPerCustomer} keys (cache entry + epoch); used_memory grew ${result.redis.usedMemoryPerEvent} B per event (kept job history included)`);
  for (const table of result.postgres) lines.push(`Postgres ${table.table.padEnd(20)} ${String(table.rows).padStart(6)} rows ${String(table.bytes).padStart(9)} B (${table.bytesPerRow} B/row with indexes)`);
  return lines.join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runScaleBenchmark();
  process.stdout.write(`${formatScaleResult(result)}\n`);
}
