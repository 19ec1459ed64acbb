import type { DatabaseConfig } from '../../../shared/config.js';
import { createDb, migrateLatest } from '../../../shared/db.js';
import { defineCommand } from '../command.js';

/** `migrate`: applies every pending migration. */
export async function migrate(config: DatabaseConfig): Promise<void> {
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'billing-cli' });
  try {
    const applied = await migrateLatest(db);
    process.stderr.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
  }
}

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Applies every pending database migration.',
  help: 'Needs only DATABASE_URL.',
  options: {},
  run: (_parsed, cli) => migrate(cli.databaseConfig()),
});
