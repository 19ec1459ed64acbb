import { parseArgs } from 'node:util';
import { createKey, keyScopes, listKeys, revokeKey, type KeyScope } from '../../../shared/api-keys.js';
import type { Config } from '../../../shared/config.js';
import { createDb } from '../../../shared/db.js';
import { UsageError } from '../usage-error.js';

const usage = 'usage: keys create --name NAME --scope read|write|admin [--read-only] | keys list | keys revoke ID';

/**
 * `keys create` prints the new key, and nothing else, on stdout (so `KEY=$(npm run -s billing -- keys create …)`
 * works); everything meant for a person goes to stderr.
 */
export async function keys(config: Config, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'billing-cli' });
  try {
    if (action === 'create') {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string' }, 'read-only': { type: 'boolean' } } });
      if (!values.name?.trim()) throw new UsageError(`--name is required\n${usage}`);
      if (!keyScopes.includes(values.scope as KeyScope)) throw new UsageError(`--scope must be one of ${keyScopes.join(', ')}\n${usage}`);
      const { record, key } = await createKey(db, { name: values.name.trim(), scope: values.scope as KeyScope, readOnly: values['read-only'] ?? false });
      process.stderr.write(`created key ${record.id} (${record.scope}${record.read_only ? ', read-only' : ''}); it is shown once:\n`);
      process.stdout.write(`${key}\n`);
    } else if (action === 'list') {
      for (const record of await listKeys(db)) {
        const state = record.revoked_at ? `revoked ${record.revoked_at.toISOString()}` : 'active';
        process.stdout.write(`${record.id}  ${record.prefix}…  ${record.scope.padEnd(5)}  ${state.padEnd(32)}  ${record.name}\n`);
      }
    } else if (action === 'revoke') {
      const id = rest[0];
      if (!id) throw new UsageError(usage);
      if (!(await revokeKey(db, id))) throw new UsageError(`no active key with id ${id}`);
      process.stderr.write(`revoked ${id}\n`);
    } else {
      throw new UsageError(usage);
    }
  } finally {
    await db.destroy();
  }
}
