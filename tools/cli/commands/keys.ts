import { createKey, keyScopes, listKeys, revokeKey, type KeyScope } from '../../../shared/api-keys.js';
import type { DatabaseConfig } from '../../../shared/infra/config.js';
import { createDb, type Db } from '../../../shared/infra/db.js';
import { defineCommand } from '../command.js';
import { formatTable, printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

async function withDb<T>(config: DatabaseConfig, work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'billing-cli' });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/**
 * `keys create` prints the new key, and nothing else, on stdout (so `KEY=$(npm run -s billing -- keys create …)`
 * works); everything meant for a person goes to stderr.
 */
export const keysCreate = defineCommand({
  name: 'keys create',
  summary: 'Creates an API key and prints it once on stdout.',
  help: `  --name NAME             what the key is for (required)
  --scope SCOPE           read (entitlement reads), write (checkout, portal) or admin (everything) (required)
  --read-only             an admin key that may read but not change anything
  --json                  print {id, key, scope, …} instead of the bare key

example: KEY=$(npm run -s billing -- keys create --name ops --scope admin)`,
  options: { name: { type: 'string' }, scope: { type: 'string' }, 'read-only': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  async run({ values }, cli) {
    const name = values.name?.trim();
    if (!name) throw new UsageError('keys create: --name is required (see --help)');
    if (!keyScopes.includes(values.scope as KeyScope)) throw new UsageError(`keys create: --scope must be one of ${keyScopes.join(', ')} (see --help)`);
    const { record, key } = await withDb(cli.databaseConfig(), (db) => createKey(db, { name, scope: values.scope as KeyScope, readOnly: values['read-only'] }));
    if (values.json) return printJson({ ...record, key }, cli.stdout);
    cli.stderr.write(`created key ${record.id} (${record.scope}${record.read_only ? ', read-only' : ''}); it is shown once:\n`);
    cli.stdout.write(`${key}\n`);
  },
});

export const keysList = defineCommand({
  name: 'keys list',
  summary: 'Lists API keys, active and revoked (never the secrets).',
  help: `  --json                  print the records as JSON`,
  options: { json: { type: 'boolean', default: false } },
  async run({ values }, cli) {
    const records = await withDb(cli.databaseConfig(), listKeys);
    if (values.json) return printJson(records, cli.stdout);
    if (records.length === 0) {
      cli.stderr.write('no keys yet (npm run billing -- keys create --help)\n');
      return;
    }
    const rows = records.map((record) => [
      record.id,
      `${record.prefix}…`,
      `${record.scope}${record.read_only ? ' (read-only)' : ''}`,
      record.revoked_at ? `revoked ${record.revoked_at.toISOString().slice(0, 16).replace('T', ' ')}` : 'active',
      record.created_at.toISOString().slice(0, 16).replace('T', ' '),
      record.name,
    ]);
    cli.stdout.write(formatTable(['ID', 'PREFIX', 'SCOPE', 'STATE', 'CREATED (UTC)', 'NAME'], rows, cli.stdout));
  },
});

export const keysRevoke = defineCommand({
  name: 'keys revoke',
  args: 'ID',
  summary: 'Revokes a key by its id (see keys list).',
  help: 'Requests with the key fail within API_KEY_CACHE_TTL_SECONDS (30 s by default).',
  options: {},
  positionals: [1, 1],
  async run({ positionals: [id = ''] }, cli) {
    if (!(await withDb(cli.databaseConfig(), (db) => revokeKey(db, id)))) throw new UsageError(`keys revoke: no active key with id ${id}`);
    cli.stderr.write(`revoked ${id}\n`);
  },
});
