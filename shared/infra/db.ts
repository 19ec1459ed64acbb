import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { internalError } from '../errors.js';

export type Db = Knex;

// bigint columns (money in minor units, counters) come back as JS numbers; values past 2^53 are not expected.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * A knex instance over a pg pool; fails fast (5 s) when Postgres cannot be reached. With
 * `idleInTransactionTimeoutMs`, Postgres ends a session that sits inside a transaction without a
 * statement for that long: a host cut off mid-transaction never sends its next statement, and its
 * row locks would otherwise block whoever takes its work over until the network returns.
 */
export function createDb(options: { url: string; poolMax: number; applicationName?: string; idleInTransactionTimeoutMs?: number; warn?: (message: string) => void }): Db {
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
    pool: {
      min: 0, max: options.poolMax, idleTimeoutMillis: 30_000,
      // Prepared statements (below) keep one plan per connection instead of re-planning each call;
      // the plans are plain index lookups that no parameter value changes. Unnamed statements (every
      // knex query) get generic plans too: a pattern or range that needs its value to pick an index
      // must say so (see the console's customer search) or be written as a range.
      afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => {
        const idle = options.idleInTransactionTimeoutMs ? `; set idle_in_transaction_session_timeout = ${Math.floor(options.idleInTransactionTimeoutMs)}` : '';
        connection.query(`set plan_cache_mode = force_generic_plan${idle}`).then(() => done(null, connection), (error: Error) => done(error, connection));
      },
    },
    acquireConnectionTimeout: 5000,
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const migrationsDir = path.resolve(here, '..', '..', 'migrations');
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

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  __knexUid?: string;
  __knexTxId?: string;
}

/** What a knex pool (or a transaction, which always hands out its own connection) gives and takes back. */
interface ConnectionSource {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
  emit(event: 'query', query: object): boolean;
}

/**
 * A statement Postgres parses and plans once per connection instead of on every call (a
 * node-postgres named statement), for the statements every event and every read runs. Written
 * with knex's `:name` bindings (a `::type` cast is left alone); each occurrence is its own
 * parameter, as with knex. `db` may be a transaction: the statement then runs on its connection.
 */
export function preparedStatement<Row, Values extends Record<string, unknown> = Record<string, unknown>>(name: string, sql: string) {
  const order: string[] = [];
  const text = sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_match, key: string) => `$${order.push(key)}`);
  return async (db: Db, values: Values): Promise<Row[]> => {
    const parameters = order.map((key) => {
      const value = values[key];
      if (value === undefined) throw internalError('statement_value_missing', `statement ${name}: no value for :${key}`);
      return value;
    });
    const source = db.client as ConnectionSource;
    const connection = await source.acquireConnection();
    // knex's own `query` event, so listeners (debugging, query counts) see these statements too.
    source.emit('query', { __knexUid: connection.__knexUid, __knexTxId: connection.__knexTxId, method: 'raw', sql: text, bindings: parameters });
    try {
      return (await connection.query({ name, text, values: parameters })).rows as Row[];
    } finally {
      await source.releaseConnection(connection);
    }
  };
}
