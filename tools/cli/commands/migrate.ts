import type { Config } from '../../../shared/config.js';
import { createDb, migrateLatest } from '../../../shared/db.js';

/** `migrate`: applies every pending migration. */
export async function migrate(config: Config): Promise<void> {
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'billing-cli' });
  try {
    const applied = await migrateLatest(db);
    process.stderr.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
  }
}
