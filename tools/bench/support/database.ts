import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { migrateLatest } from '../../../shared/infra/db.js';
import { benchEnvironment } from './environment.js';

function urlFor(database: string): string {
  const url = new URL(benchEnvironment.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin(sql: string, name: string): Promise<void> {
  const admin = knex({ client: 'pg', connection: urlFor('postgres'), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(sql, [name]);
  } finally {
    await admin.destroy();
  }
}

/** A migrated database of the benchmark's own, dropped afterwards: the developer's data is never touched. */
export async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `billing_bench_${randomBytes(5).toString('hex')}`;
  await withAdmin('create database ??', name);
  const url = urlFor(name);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return { url, drop: () => withAdmin('drop database if exists ?? with (force)', name) };
}
