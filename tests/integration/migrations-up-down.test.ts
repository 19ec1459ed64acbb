import test from 'ava';
import { createDb, migrateDownAll, migrateLatest } from '../../shared/infra/db.js';
import { createTestDatabase } from '../support/database.js';

const tables = ['stripe_events', 'customers', 'subscriptions', 'subscription_items', 'catalog_products', 'catalog_prices', 'grants', 'entitlements', 'api_keys', 'audit_log', 'reconciliation_runs', 'sync_cursors'];

test('migrations create the whole schema, enforce uniqueness, and roll back to nothing', async (t) => {
  const database = await createTestDatabase({ empty: true });
  const db = createDb({ url: database.url, poolMax: 2 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });

  const applied = await migrateLatest(db);
  t.true(applied.length >= 3);
  t.deepEqual(await migrateLatest(db), [], 'a second run applies nothing');
  for (const table of tables) t.true(await db.schema.hasTable(table), table);

  const event = { id: 'evt_1', type: 'customer.created', payload: {} };
  await db('stripe_events').insert(event);
  await t.throwsAsync(db('stripe_events').insert(event), { message: /duplicate key/ }, 'inbox key is the event id');
  const inserted = await db('stripe_events').insert(event).onConflict('id').ignore().returning('id');
  t.is(inserted.length, 0, 'ON CONFLICT DO NOTHING inserts nothing for a duplicate');

  await db('customers').insert({ stripe_customer_id: 'cus_1', user_id: 'user_1' });
  await t.throwsAsync(db('customers').insert({ stripe_customer_id: 'cus_1' }), { message: /duplicate key/ });
  await t.throwsAsync(db('customers').insert({ user_id: 'user_1' }), { message: /duplicate key/ });
  await t.throwsAsync(db('customers').insert({ email: 'x@example.com' }), { message: /customers_has_identity/ });
  await t.throwsAsync(db('stripe_events').insert({ id: 'evt_2', type: 't', payload: {}, status: 'weird' }), { message: /stripe_events_status_check/ });

  const reverted = await migrateDownAll(db);
  t.is(reverted.length, applied.length);
  for (const table of tables) t.false(await db.schema.hasTable(table), table);
  t.deepEqual((await migrateLatest(db)).length, applied.length, 'and up again');
});
