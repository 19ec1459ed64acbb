import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import knex from 'knex';
import { createDb, migrateLatest, type Db } from '../../shared/infra/db.js';
import { testEnvironment } from './environment.js';
import { projectRoot } from './processes.js';

/** The template is named after the migrations it holds, so a changed migration builds a new one. */
const migrationsDir = path.join(projectRoot, 'migrations');
const fingerprint = createHash('sha256');
for (const file of readdirSync(migrationsDir).sort()) fingerprint.update(file).update(readFileSync(path.join(migrationsDir, file)));
const templateName = `billing_test_template_${fingerprint.digest('hex').slice(0, 12)}`;

function urlFor(database: string): string {
  const url = new URL(testEnvironment.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: Db) => Promise<T>): Promise<T> {
  const admin = knex({ client: 'pg', connection: urlFor('postgres'), pool: { min: 0, max: 1 } });
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

/**
 * Drops the databases earlier runs left behind (those still in use by a concurrent run stay), and
 * builds the migrated template unless it exists: under a temporary name, renamed when complete,
 * so a concurrent run never copies a half-migrated template.
 */
export async function prepareTemplate(): Promise<void> {
  const exists = await withAdmin(async (admin) => {
    const { rows } = await admin.raw<{ rows: { datname: string; connections: number }[] }>(
      `select datname, (select count(*) from pg_stat_activity a where a.datname = d.datname)::int as connections
         from pg_database d where datname like 'billing_test_%'`,
    );
    for (const { datname, connections } of rows) {
      if (datname === templateName || connections > 0) continue;
      await admin.raw(`drop database if exists ??`, [datname]).catch(() => undefined);
    }
    return rows.some(({ datname }) => datname === templateName);
  });
  if (exists) return;
  const building = `billing_test_building_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.raw(`create database ??`, [building]));
  const db = createDb({ url: urlFor(building), poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  await withAdmin(async (admin) => {
    try {
      await admin.raw(`alter database ?? rename to ??`, [building, templateName]);
    } catch (error) {
      // A concurrent run finished the same template first: use it.
      await admin.raw(`drop database if exists ??`, [building]);
      if (!(await admin.raw<{ rows: unknown[] }>(`select 1 from pg_database where datname = ?`, [templateName])).rows.length) throw error;
    }
  });
}

/** A database of its own for one test: a copy of the migrated template, or empty. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `billing_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.raw(options.empty ? `create database ??` : `create database ?? template ??`, options.empty ? [name] : [name, templateName]));
  return {
    url: urlFor(name),
    drop: () => withAdmin(async (admin) => { await admin.raw(`drop database if exists ?? with (force)`, [name]); }),
  };
}
