import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { createDb, migrateLatest, type Db } from '../../shared/db.js';
import { testEnvironment } from './environment.js';

const templateName = 'billing_test_template';

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

/** Drops the databases of earlier runs and builds a fresh, migrated template. */
export async function prepareTemplate(): Promise<void> {
  await withAdmin(async (admin) => {
    const { rows } = await admin.raw<{ rows: { datname: string }[] }>(`select datname from pg_database where datname like 'billing_test_%'`);
    for (const { datname } of rows) await admin.raw(`drop database if exists ?? with (force)`, [datname]);
    await admin.raw(`create database ??`, [templateName]);
  });
  const db = createDb({ url: urlFor(templateName), poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
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
