import test, { type ExecutionContext } from 'ava';
import { createKey, findActiveKey, hashKey, listKeys, revokeKey } from '../../shared/api-keys.js';
import { createDb } from '../../shared/infra/db.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { childEnv, runScript } from '../support/processes.js';

async function database(t: ExecutionContext) {
  const created = await createTestDatabase();
  const db = createDb({ url: created.url, poolMax: 2 });
  t.teardown(async () => { await db.destroy(); await created.drop(); });
  return { db, url: created.url };
}

test('a key is stored only as its SHA-256 hash and found by it until revoked', async (t) => {
  const { db } = await database(t);
  const { record, key } = await createKey(db, { name: 'app', scope: 'read' });
  t.regex(key, /^bk_read_[A-Za-z0-9_-]{32}$/);
  const row = await db('api_keys').where({ id: record.id }).first();
  t.is(row.hash, hashKey(key));
  t.false(JSON.stringify(row).includes(key), 'the secret itself is not stored');
  t.is((await findActiveKey(db, key))?.id, record.id);
  t.is(await findActiveKey(db, `${key}x`), undefined);
  t.is(await findActiveKey(db, 'not-a-key'), undefined);
  t.true(await revokeKey(db, record.id));
  t.false(await revokeKey(db, record.id), 'revoking twice reports nothing to revoke');
  t.is(await findActiveKey(db, key), undefined);
  t.not((await listKeys(db))[0]?.revoked_at, null);
});

test('keys create prints the key and nothing else on stdout; list and revoke work', async (t) => {
  const { db, url } = await database(t);
  const env = childEnv({ ...testConfig(url) });
  const created = await runScript('tools/cli/main.ts', ['keys', 'create', '--name', 'ops', '--scope', 'admin'], env);
  t.is(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  t.regex(key, /^bk_admin_[A-Za-z0-9_-]{32}$/);
  t.is(created.stdout, `${key}\n`);
  const record = await findActiveKey(db, key);
  t.is(record?.scope, 'admin');

  const listed = await runScript('tools/cli/main.ts', ['keys', 'list'], env);
  t.true(listed.stdout.includes(record!.id));
  t.false(listed.stdout.includes(key), 'list never prints secrets');

  const revoked = await runScript('tools/cli/main.ts', ['keys', 'revoke', record!.id], env);
  t.is(revoked.code, 0);
  t.is(await findActiveKey(db, key), undefined);

  const bad = await runScript('tools/cli/main.ts', ['keys', 'create', '--name', 'x', '--scope', 'root'], env);
  t.is(bad.code, 2);
  t.is(bad.stdout, '');
  t.regex(bad.stderr, /--scope must be one of read, write, admin/);
});

test('a bad configuration stops the CLI naming every bad key it needs', async (t) => {
  const reconcile = await runScript('tools/cli/main.ts', ['reconcile'], childEnv({ NODE_ENV: 'test', DATABASE_URL: 'nope', STRIPE_SECRET_KEY: 'x' }));
  t.is(reconcile.code, 78);
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) t.regex(reconcile.stderr, new RegExp(key));
  // migrate talks only to the database: it names only the database setting.
  const migrate = await runScript('tools/cli/main.ts', ['migrate'], childEnv({ NODE_ENV: 'test', DATABASE_URL: 'nope' }));
  t.is(migrate.code, 78);
  t.regex(migrate.stderr, /DATABASE_URL/);
  t.notRegex(migrate.stderr, /STRIPE|REDIS_URL/);
});
