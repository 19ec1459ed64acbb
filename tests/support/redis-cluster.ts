import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis, type Cluster } from 'ioredis';
import { eventually } from './processes.js';

const run = promisify(execFile);

/** Whether nobody listens on a port of 127.0.0.1 right now. */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` ports that are free along with their cluster bus ports (port + 10000). Redis Cluster
 * refuses ports above 55535, so they come from 20000–45000 rather than the OS's ephemeral range.
 */
async function clusterPorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    const checks = await Promise.all(ports.flatMap((port) => [portFree(port), portFree(port + 10_000)]));
    if (checks.every(Boolean)) return ports;
  }
  throw new Error('no free block of ports for a Redis Cluster');
}

export interface RedisNodeProcess { port: number; child: ChildProcess }

async function startServer(dir: string, port: number, extra: string[]): Promise<RedisNodeProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', ...extra], { stdio: 'ignore' });
  await answersPing({ port, host: '127.0.0.1' });
  return { port, child };
}

/** Resolves once a Redis server at `where` (TCP or a Unix socket `path`) answers PING; fails after 10 s. */
export async function answersPing(where: { port: number; host: string } | { path: string }): Promise<void> {
  await eventually(async () => {
    const client = new Redis({ ...where, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }, 10_000, 50);
}

async function kill(node: RedisNodeProcess): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = once(node.child, 'exit');
  node.child.kill('SIGKILL');
  await exited;
}

/** One command on a fresh connection to one node. */
async function askRaw(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

const ask = async (port: number, ...args: string[]) => String(await askRaw(port, ...args));

/** The port of the master serving a key's slot, from CLUSTER SLOTS as the client sees it. */
export async function masterOf(redis: Cluster, key: string): Promise<number> {
  const slot = await redis.cluster('KEYSLOT', key);
  const slots = await redis.cluster('SLOTS');
  return Number(slots.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1] ?? -1);
}

export interface RedisCluster {
  /** `host:port` of every node, the value of REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** Ports of the nodes that are masters now. */
  masters: () => Promise<number[]>;
  /** SIGKILLs a node, as a crash would. */
  kill: (port: number) => Promise<void>;
  /** Resolves once every live node reports the cluster ok and every slot is served by a live master. */
  healthy: (ms?: number) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A real Redis Cluster of 3 masters and (unless `replicas` is 0) 3 replicas (Debian's redis-server in cluster mode, no
 * persistence), made with `redis-cli --cluster create`. A short node timeout makes a killed
 * master's replica take over within a few seconds.
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number; replicas?: 0 | 1 } = {}): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redis-cluster-'));
  const replicas = options.replicas ?? 1;
  const ports = await clusterPorts(3 * (1 + replicas));
  const processes = new Map<number, RedisNodeProcess>();
  const stop = async () => {
    await Promise.all([...processes.values()].map(kill));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      processes.set(port, await startServer(dir, port, [
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000), '--cluster-replica-validity-factor', '0',
      ]));
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  const live = () => [...processes.values()].filter((node) => node.child.exitCode === null && node.child.signalCode === null).map((node) => node.port);
  const masters = async () => {
    const lines = (await ask(live()[0], 'CLUSTER', 'NODES')).split('\n').filter(Boolean);
    return lines.filter((line) => / master /.test(line.replace(/myself,/, '')) && !line.includes('fail')).map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
  };
  const healthy = async (ms = 30_000) => {
    await eventually(async () => {
      for (const port of live()) {
        if (!(await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      }
      const slots = (await askRaw(live()[0], 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const alive = new Set(live());
      return slots.length > 0 && slots.every(([, , [, port]]) => alive.has(port));
    }, ms, 200);
  };
  const cluster: RedisCluster = {
    nodes: ports.map((port) => `127.0.0.1:${port}`),
    masters,
    kill: async (port) => { const node = processes.get(port); if (node) await kill(node); },
    healthy,
    stop,
  };
  await healthy();
  return cluster;
}

export interface RedisSentinelGroup {
  /** `host:port` of the Sentinel, the value of REDIS_SENTINELS. */
  sentinels: string[];
  name: string;
  /** Port of the master the Sentinel names now. */
  master: () => Promise<number>;
  kill: (port: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** One master, one replica and one Sentinel (quorum 1) watching them, failing over after 1 s of silence. */
export async function startRedisSentinel(): Promise<RedisSentinelGroup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redis-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = await clusterPorts(3) as [number, number, number];
  const processes: RedisNodeProcess[] = [];
  const name = 'billing-master';
  const stop = async () => {
    await Promise.all(processes.map(kill));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    processes.push(await startServer(dir, masterPort, []));
    processes.push(await startServer(dir, replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]));
    const conf = path.join(dir, 'sentinel.conf');
    await writeFile(conf, [
      `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`, '',
    ].join('\n'));
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    processes.push({ port: sentinelPort, child });
    await eventually(async () => (await ask(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'), 15_000, 100);
    await eventually(async () => (await ask(sentinelPort, 'SENTINEL', 'REPLICAS', name)).includes(String(replicaPort)), 15_000, 100);
  } catch (error) {
    await stop();
    throw error;
  }
  const client = () => new Redis({ port: sentinelPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  return {
    sentinels: [`127.0.0.1:${sentinelPort}`],
    name,
    master: async () => {
      const sentinel = client();
      sentinel.on('error', () => undefined);
      try {
        await sentinel.connect();
        const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
        return Number(port);
      } finally {
        sentinel.disconnect();
      }
    },
    kill: async (port) => { const node = processes.find((each) => each.port === port); if (node) await kill(node); },
    stop,
  };
}
