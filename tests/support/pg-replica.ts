import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb, migrateLatest } from '../../shared/infra/db.js';
import { eventually, freePort } from './processes.js';

const run = promisify(execFile);
/** Debian's PostgreSQL 15 server binaries (the version tools/services.sh runs). */
export const pgBin = '/usr/lib/postgresql/15/bin';

/** Runs a PostgreSQL program as the `postgres` user (the server refuses root). */
export async function asPostgres(program: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', path.join(pgBin, program), ...args], { timeout: 60_000 });
  return stdout;
}

export interface PrimaryWithReplica {
  /** The migrated `billing` database on the primary. */
  primaryUrl: string;
  /** The same database on the streaming replica. */
  replicaUrl: string;
  stop: () => Promise<void>;
}

/**
 * A PostgreSQL primary of its own (initdb, the project's migrations applied) and a streaming
 * replica made from it with `pg_basebackup -R`, each on its own port, both run as `postgres` from
 * a folder under the system's temporary directory (root's home is not traversable by `postgres`).
 */
export async function startPrimaryWithReplica(): Promise<PrimaryWithReplica> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pg-replica-'));
  await chmod(dir, 0o755);
  const [primaryData, replicaData, sockets] = ['primary', 'replica', 'run'].map((name) => path.join(dir, name)) as [string, string, string];
  const { uid, gid } = await idOf('postgres');
  for (const folder of [primaryData, sockets]) {
    await mkdir(folder, { mode: 0o700 });
    await chown(folder, uid, gid);
  }
  await chown(dir, uid, gid);
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const options = (port: number) => `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${sockets} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const started: string[] = [];
  const stop = async () => {
    for (const data of started.reverse()) await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres('initdb', ['-D', primaryData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    await asPostgres('pg_ctl', ['-D', primaryData, '-l', path.join(dir, 'primary.log'), '-w', '-o', options(primaryPort), 'start']);
    started.push(primaryData);
    const admin = createDb({ url: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`, poolMax: 1 });
    try {
      await admin.raw('create database billing');
    } finally {
      await admin.destroy();
    }
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/billing`;
    const db = createDb({ url: primaryUrl, poolMax: 2 });
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaData, '-R', '-X', 'stream', '-c', 'fast']);
    await asPostgres('pg_ctl', ['-D', replicaData, '-l', path.join(dir, 'replica.log'), '-w', '-o', options(replicaPort), 'start']);
    started.push(replicaData);
    const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/billing`;
    await eventually(async () => {
      const replica = createDb({ url: replicaUrl, poolMax: 1 });
      try {
        const { rows: [row] } = await replica.raw<{ rows: { standby: boolean }[] }>('select pg_is_in_recovery() as standby');
        return row?.standby === true;
      } finally {
        await replica.destroy();
      }
    }, 30_000, 200);
    return { primaryUrl, replicaUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
