import knex, { type Knex } from 'knex';
import type { Db } from '../../shared/infra/db.js';
import { estimatedLockMs, statementLock, type StatementLock } from './migrate-locks.js';

export interface PlannedStatement {
  migration: string;
  sql: string;
  lock: StatementLock;
  /** The table as it is now (absent: the table does not exist yet). */
  size?: { rows: number; bytes: number };
  estimatedLockMs: number;
}

export interface MigrationPlan { pending: string[]; statements: PlannedStatement[] }

interface MigrationModule { up: (knex: Knex) => Promise<void> }
interface RecordedQuery { text: string; values?: unknown[] }

/**
 * A knex that runs nothing: every statement a migration sends is recorded and answered with no
 * rows, so a migration's `up` can be read without touching the database. (A migration that
 * decides from what it reads sees an empty database.)
 */
function recordingKnex(): { instance: Knex; recorded: RecordedQuery[] } {
  const recorded: RecordedQuery[] = [];
  const instance = knex({ client: 'pg' });
  const connection = {
    __knexUid: 'dry-run',
    query(config: RecordedQuery, callback: (error: Error | null, response: unknown) => void) {
      recorded.push(config);
      callback(null, { command: 'SELECT', rows: [], rowCount: 0 });
    },
  };
  const client = instance.client as { acquireConnection: () => Promise<unknown>; releaseConnection: () => Promise<void> };
  client.acquireConnection = () => Promise.resolve(connection);
  client.releaseConnection = () => Promise.resolve();
  return { instance, recorded };
}

async function tableSizes(db: Db, tables: string[]): Promise<Map<string, { rows: number; bytes: number }>> {
  if (tables.length === 0) return new Map();
  const rows = await db.raw<{ rows: { relname: string; rows: number; bytes: number }[] }>(
    `select c.relname, greatest(c.reltuples, 0)::bigint as rows, pg_total_relation_size(c.oid) as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = current_schema() and c.relname = any(?)`,
    [tables],
  );
  return new Map(rows.rows.map((row) => [row.relname, { rows: Number(row.rows), bytes: Number(row.bytes) }]));
}

/** The pending migrations and every statement each would run, with the lock it takes on the table as it is now. */
export async function planMigrations(db: Db, migrator: Knex.MigratorConfig): Promise<MigrationPlan> {
  const [, pendingList] = (await db.migrate.list(migrator)) as [unknown[], unknown[]];
  const source = migrator.migrationSource as Knex.MigrationSource<unknown>;
  const pending = pendingList.map((entry) => source.getMigrationName(entry));
  const statements: Omit<PlannedStatement, 'size' | 'estimatedLockMs'>[] = [];
  for (const [index, entry] of pendingList.entries()) {
    const module = (await source.getMigration(entry)) as MigrationModule;
    const { instance, recorded } = recordingKnex();
    try {
      await module.up(instance);
    } finally {
      await instance.destroy();
    }
    for (const query of recorded) {
      const sql = query.values?.length ? instance.raw(query.text.replace(/\$\d+/g, '?'), query.values as Knex.RawBinding[]).toQuery() : query.text;
      statements.push({ migration: pending[index] ?? String(entry), sql, lock: statementLock(sql) });
    }
  }
  const sizes = await tableSizes(db, [...new Set(statements.flatMap((statement) => (statement.lock.table ? [statement.lock.table] : [])))]);
  return {
    pending,
    statements: statements.map((statement) => {
      const size = statement.lock.table ? sizes.get(statement.lock.table) : undefined;
      return { ...statement, ...(size && { size }), estimatedLockMs: estimatedLockMs(statement.lock, size?.bytes ?? 0) };
    }),
  };
}

/** Statements that would hold their lock longer than `maxLockMs`. */
export function longLocks(plan: MigrationPlan, maxLockMs: number): PlannedStatement[] {
  return plan.statements.filter((statement) => statement.estimatedLockMs > maxLockMs);
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function describeLock(statement: PlannedStatement): string {
  const { lock, size } = statement;
  if (lock.kind === 'instant') return `instant (${lock.reason})`;
  if (!size) return `instant (${lock.table ?? 'the table'} does not exist yet: nobody waits)`;
  const what = { writes: 'blocks writes to', all: 'blocks reads and writes of', rows: 'locks rows of' }[lock.kind];
  const duration = lock.scansTable ? ` for about ${seconds(statement.estimatedLockMs)}` : '';
  return `${what} ${lock.table} (${size.rows} rows, ${megabytes(size.bytes)})${duration}: ${lock.reason}`;
}

/** The plan for people: each pending migration, its statements and what each locks. */
export function formatPlan(plan: MigrationPlan, maxLockMs: number): string {
  if (plan.pending.length === 0) return 'database is up to date: nothing to do\n';
  const lines = [`${plan.pending.length} pending migration(s):`];
  for (const migration of plan.pending) {
    lines.push(`  ${migration}`);
    for (const statement of plan.statements.filter((entry) => entry.migration === migration)) {
      const flag = statement.estimatedLockMs > maxLockMs ? '  REFUSED  ' : '           ';
      lines.push(`   ${flag}${statement.sql.replace(/\s+/g, ' ').slice(0, 200)}`, `              ${describeLock(statement)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
