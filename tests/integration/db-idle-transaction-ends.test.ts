import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createDb } from '../../shared/infra/db.js';
import { createTestDatabase } from '../support/database.js';

test('a session left idle inside a transaction is ended by Postgres, and its row lock freed for the next writer', async (t) => {
  const database = await createTestDatabase();
  const cutOff = createDb({ url: database.url, poolMax: 1, idleInTransactionTimeoutMs: 1000 });
  const other = createDb({ url: database.url, poolMax: 1, idleInTransactionTimeoutMs: 1000 });
  t.teardown(async () => { await cutOff.destroy(); await other.destroy(); await database.drop(); });
  await other.raw('create table held (id int primary key, n int)');
  await other('held').insert({ id: 1, n: 0 });
  t.is((await cutOff.raw<{ rows: { setting: string }[] }>("select current_setting('idle_in_transaction_session_timeout') as setting")).rows[0]?.setting, '1s');

  // A host that locked a row and then never sent its next statement (its network is gone).
  const trx = await cutOff.transaction();
  await trx('held').where({ id: 1 }).update({ n: 1 });
  const started = Date.now();
  // The host that took the work over writes the same row: it waits for the lock, then gets it.
  await other.transaction(async (mine) => {
    await mine.raw('set local lock_timeout = 10000');
    await mine('held').where({ id: 1 }).update({ n: 2 });
  });
  const waited = Date.now() - started;
  t.true(waited >= 900, `the lock was held while the session was idle (${waited} ms)`);
  t.deepEqual(await other('held').select('n'), [{ n: 2 }]);
  // The abandoned transaction is gone: its session was ended, so its next statement fails.
  await sleep(50);
  await t.throwsAsync(trx('held').select('n'));
  await trx.rollback().catch(() => undefined);
});

test('without the setting nothing is asked of Postgres', async (t) => {
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolMax: 1 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });
  t.is((await db.raw<{ rows: { setting: string }[] }>("select current_setting('idle_in_transaction_session_timeout') as setting")).rows[0]?.setting, '0');
});
