import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knex, { type Knex } from 'knex';
import pg from 'pg';

export type Db = Knex;

// bigint columns (money in minor units, counters) come back as JS numbers; values past 2^53 are not expected.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** A knex instance over a pg pool; fails fast (5 s) when Postgres cannot be reached. */
export function createDb(options: { url: string; poolMax: number; applicationName?: string; warn?: (message: string) => void }): Db {
  const warn = options.warn ?? (() => undefined);
  return knex({
    // knex prints pool and connection trouble to the console by default; readiness and logs report it instead.
    log: { warn, error: warn, deprecate: warn, debug: () => undefined, inspectionDepth: 1, enableColors: false },
    client: 'pg',
    connection: {
      connectionString: options.url,
      application_name: options.applicationName ?? 'billing',
      connectionTimeoutMillis: 5000,
    },
    pool: { min: 0, max: options.poolMax, idleTimeoutMillis: 30_000 },
    acquireConnectionTimeout: 5000,
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const migrationsDir = path.resolve(here, '..', 'migrations');
/** Compiled output runs .js migrations; development (tsx) runs the .ts sources. */
const migrationExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

interface MigrationModule { up: (knex: Knex) => Promise<void>; down: (knex: Knex) => Promise<void> }

/**
 * Migrations are recorded by name without extension, so the same database works from the
 * TypeScript sources (development) and the compiled JavaScript (production).
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await readdir(migrationsDir);
    return files.filter((file) => file.endsWith(migrationExtension) && !file.endsWith('.d.ts')).map((file) => file.slice(0, -migrationExtension.length)).sort();
  },
  getMigrationName: (name) => name,
  getMigration: async (name) => (await import(pathToFileURL(path.join(migrationsDir, `${name}${migrationExtension}`)).href)) as MigrationModule,
};

export const migrationConfig: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

/** Rolls back every migration (tests and local resets only). */
export async function migrateDownAll(db: Db): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return reverted;
}
