import { chmod, chown, mkdir, mkdtemp, rm, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createDb, migrateLatest } from '../../../shared/infra/db.js';
import { asPostgres, idOf, pgBin } from '../pg-replica.js';
import { answersPing } from '../redis-cluster.js';
import type { Host, HostNetwork } from './network.js';

export interface DataHost {
  /** What the other hosts use: the host's address on the segment. */
  databaseUrl: string;
  redisUrl: string;
  /** What the test itself uses: the same servers through their Unix sockets (files, reachable from any namespace). */
  localDatabaseUrl: string;
  localRedis: () => Redis;
  stop: () => Promise<void>;
}

/**
 * Redis and a PostgreSQL of their own (initdb, the project's migrations) inside `host`'s
 * namespace, listening on its address, with Unix sockets in a temporary folder for the test.
 */
export async function startDataHost(network: HostNetwork, host: Host): Promise<DataHost> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netns-data-'));
  await chmod(dir, 0o755);
  const [data, sockets] = [path.join(dir, 'pg'), path.join(dir, 'run')];
  const { uid, gid } = await idOf('postgres');
  for (const folder of [data, sockets]) {
    await mkdir(folder, { mode: 0o700 });
    await chown(folder, uid, gid);
  }
  let pgStarted = false;
  const stop = async () => {
    if (pgStarted) await network.exec(host, 'runuser', ['-u', 'postgres', '--', path.join(pgBin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  // No idle-in-transaction timeout on the server: the service's own sessions ask for one
  // (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS), which is what the cut-off test relies on.
  try {
    const redisSocket = path.join(dir, 'redis.sock');
    network.spawn(host, 'redis-server', ['--port', '6379', '--bind', host.address, '--protected-mode', 'no', '--unixsocket', redisSocket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--dir', dir]);
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    await appendFile(path.join(data, 'pg_hba.conf'), `host all all ${host.address.replace(/\.\d+$/, '.0')}/24 trust\n`);
    const options = `-c listen_addresses=${host.address} -c port=5432 -c unix_socket_directories=${sockets} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await network.exec(host, 'runuser', ['-u', 'postgres', '--', path.join(pgBin, 'pg_ctl'), '-D', data, '-l', path.join(sockets, 'pg.log'), '-w', '-o', options, 'start']);
    pgStarted = true;
    const admin = createDb({ url: `postgres://postgres@localhost/postgres?host=${sockets}`, poolMax: 1 });
    try {
      await admin.raw('create database billing');
    } finally {
      await admin.destroy();
    }
    const localDatabaseUrl = `postgres://postgres@localhost/billing?host=${sockets}`;
    const db = createDb({ url: localDatabaseUrl, poolMax: 2 });
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
    const localRedis = () => new Redis({ path: redisSocket, maxRetriesPerRequest: 1 });
    await answersPing({ path: redisSocket });
    return { databaseUrl: `postgres://postgres@${host.address}:5432/billing`, redisUrl: `redis://${host.address}:6379`, localDatabaseUrl, localRedis, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
