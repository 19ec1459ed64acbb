import type { Knex } from 'knex';
import type { DatabaseConfig } from '../../../shared/infra/config.js';
import { createDb, migrationConfig } from '../../../shared/infra/db.js';
import { formatPlan, longLocks, planMigrations } from '../migrate-plan.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../usage-error.js';

/**
 * `migrate [--dry-run] [--allow-long-locks]`: prints what the pending migrations will do and what
 * each statement locks; applies them unless `--dry-run`, refusing (exit 1) when a statement would
 * hold a table lock longer than MIGRATION_MAX_LOCK_MS.
 */
export async function migrate(config: DatabaseConfig, args: string[] = [], migrator: Knex.MigratorConfig = migrationConfig, write: (text: string) => void = (text) => { process.stderr.write(text); }): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--dry-run' && arg !== '--allow-long-locks');
  if (unknown.length) throw new UsageError(`migrate: unknown option(s) ${unknown.join(' ')}; known: --dry-run, --allow-long-locks`);
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'billing-cli' });
  try {
    const plan = await planMigrations(db, migrator);
    write(formatPlan(plan, config.MIGRATION_MAX_LOCK_MS));
    if (args.includes('--dry-run')) {
      if (plan.pending.length) write('dry run: nothing was applied\n');
      return;
    }
    const refused = longLocks(plan, config.MIGRATION_MAX_LOCK_MS);
    if (refused.length && !args.includes('--allow-long-locks')) {
      throw new Error(`refusing to migrate: ${refused.length} statement(s) would lock a table longer than MIGRATION_MAX_LOCK_MS (${config.MIGRATION_MAX_LOCK_MS} ms); ` +
        'rewrite them as expand/contract steps (see the README), or accept the lock with --allow-long-locks');
    }
    if (plan.pending.length === 0) return;
    const [, applied] = (await db.migrate.latest(migrator)) as [number, string[]];
    write(`applied ${applied.length} migration(s): ${applied.join(', ')}\n`);
  } finally {
    await db.destroy();
  }
}

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Applies every pending database migration.',
  help: `  --dry-run               print each pending statement and what it locks; apply nothing
  --allow-long-locks      apply even statements that would hold a table lock longer than
                          MIGRATION_MAX_LOCK_MS (plan a maintenance window)

Needs only DATABASE_URL (and MIGRATION_MAX_LOCK_MS, default 5000).`,
  options: { 'dry-run': { type: 'boolean', default: false }, 'allow-long-locks': { type: 'boolean', default: false } },
  run: ({ values }, cli) => migrate(cli.databaseConfig(), [
    ...(values['dry-run'] ? ['--dry-run'] : []),
    ...(values['allow-long-locks'] ? ['--allow-long-locks'] : []),
  ]),
});
