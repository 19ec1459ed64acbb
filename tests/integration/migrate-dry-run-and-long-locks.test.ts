import test, { type ExecutionContext } from 'ava';
import type { Knex } from 'knex';
import { createDb, migrationConfig } from '../../shared/infra/db.js';
import { migrate } from '../../tools/cli/commands/migrate.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';

interface Module { up: (knex: Knex) => Promise<void>; down: (knex: Knex) => Promise<void>; config?: { transaction: boolean } }

/** The project's migrations plus one more (a change an operator would ship next). */
function withNext(name: string, next: Module): Knex.MigratorConfig {
  const source = migrationConfig.migrationSource as Knex.MigrationSource<string>;
  return {
    ...migrationConfig,
    migrationSource: {
      getMigrations: async (loadExtensions: readonly string[]) => [...(await source.getMigrations(loadExtensions)), name],
      getMigrationName: (migration: string) => migration,
      getMigration: (migration: string) => (migration === name ? Promise.resolve(next) : source.getMigration(migration)),
    },
  };
}

const indexActor: Module = {
  up: (knex) => knex.schema.alterTable('audit_log', (table) => { table.index(['actor'], 'audit_log_actor_idx'); }),
  down: (knex) => knex.schema.alterTable('audit_log', (table) => { table.dropIndex(['actor'], 'audit_log_actor_idx'); }),
};
const indexActorConcurrently: Module = {
  config: { transaction: false },
  up: async (knex) => { await knex.raw('create index concurrently if not exists audit_log_actor_idx on audit_log (actor)'); },
  down: async (knex) => { await knex.raw('drop index concurrently if exists audit_log_actor_idx'); },
};

async function setup(t: ExecutionContext, overrides: Record<string, string> = {}) {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const db = createDb({ url: database.url, poolMax: 1 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });
  await db('audit_log').insert(Array.from({ length: 200 }, (_, index) => ({ actor: `key:${index}`, action: 'grant.created', subject_type: 'grant', subject_id: String(index) })));
  await db.raw('analyze audit_log');
  let output = '';
  const hasIndex = async () => (await db.raw<{ rows: unknown[] }>("select 1 from pg_indexes where indexname = 'audit_log_actor_idx'")).rows.length === 1;
  const applied = async (name: string) => (await db('knex_migrations').where({ name }).first()) !== undefined;
  return { config, write: (text: string) => { output += text; }, output: () => output, hasIndex, applied };
}

test('migrate --dry-run prints each pending statement and what it locks, and applies nothing', async (t) => {
  const { config, write, output, hasIndex, applied } = await setup(t);
  await migrate(config, ['--dry-run'], withNext('20991231000000_audit_actor_index', indexActor), write);
  t.regex(output(), /1 pending migration\(s\):\n {2}20991231000000_audit_actor_index\n/);
  t.regex(output(), /create index "audit_log_actor_idx" on "audit_log" \("actor"\)/);
  t.regex(output(), /blocks writes to audit_log \(200 rows, [\d.]+ MiB\) for about \d+ ms: CREATE INDEX blocks writes while it reads the table/);
  t.regex(output(), /dry run: nothing was applied/);
  t.false(await hasIndex());
  t.false(await applied('20991231000000_audit_actor_index'));
});

test('migrate refuses a statement that would lock a table longer than MIGRATION_MAX_LOCK_MS, and applies it with --allow-long-locks', async (t) => {
  const { config, write, output, hasIndex, applied } = await setup(t, { MIGRATION_MAX_LOCK_MS: '0' });
  const migrator = withNext('20991231000000_audit_actor_index', indexActor);
  await t.throwsAsync(migrate(config, [], migrator, write), { message: /^refusing to migrate: 1 statement\(s\) would lock a table longer than MIGRATION_MAX_LOCK_MS \(0 ms\)/ });
  t.regex(output(), /REFUSED {2}create index "audit_log_actor_idx"/);
  t.false(await hasIndex());
  t.false(await applied('20991231000000_audit_actor_index'));

  await migrate(config, ['--allow-long-locks'], migrator, write);
  t.true(await hasIndex());
  t.true(await applied('20991231000000_audit_actor_index'));
});

test('the same index built concurrently (an expand step) passes the lock check and is applied', async (t) => {
  const { config, write, output, hasIndex, applied } = await setup(t, { MIGRATION_MAX_LOCK_MS: '0' });
  await migrate(config, [], withNext('20991231000000_audit_actor_index', indexActorConcurrently), write);
  t.regex(output(), /instant \(built concurrently: writes go on\)/);
  t.regex(output(), /applied 1 migration\(s\): 20991231000000_audit_actor_index/);
  t.true(await hasIndex());
  t.true(await applied('20991231000000_audit_actor_index'));
});

test('on an up-to-date database migrate says so and changes nothing', async (t) => {
  const { config, write, output } = await setup(t);
  await migrate(config, ['--dry-run'], migrationConfig, write);
  await migrate(config, [], migrationConfig, write);
  t.is(output(), 'database is up to date: nothing to do\ndatabase is up to date: nothing to do\n');
});
