import test from 'ava';
import { createDb } from '../../shared/infra/db.js';
import { LedgerWriter, type LedgerRow } from '../../shared/usage/ledger-writer.js';
import { createTestDatabase } from '../support/database.js';
import { seedCustomer } from './admin-fixtures.js';

const row = (customerId: string, key: string, amount = 1): LedgerRow => ({
  customer_id: customerId, feature: 'api_calls', kind: 'consume', amount, idempotency_key: key, request_hash: 'h', response: { allowed: true },
  occurred_at: new Date(), period_start: new Date('2026-12-01T00:00:00Z'), period_end: null,
});

test('group commit: concurrent rows share statements, a key twice in a batch is written once, a key already in the ledger is reported, a failed batch rejects each of its rows', async (t) => {
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolMax: 2 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });
  const customer = await seedCustomer(db);
  const statements: string[] = [];
  db.on('query', (query: { sql: string }) => { if (query.sql.startsWith('insert into "usage_ledger"')) statements.push(query.sql); });
  const writer = new LedgerWriter(db, 3);

  const results = await Promise.all(['a', 'b', 'a', 'c', 'd', 'e', 'f'].map((key) => writer.write(row(customer.id, key))));
  t.deepEqual(results, [true, true, false, true, true, true, true]);
  t.true(statements.length < 7, `${statements.length} statements for 7 rows`);
  t.is(await writer.write(row(customer.id, 'a')), false, 'already in the ledger');
  t.is(Number((await db('usage_ledger').count<{ n: string }[]>({ n: '*' }))[0]?.n), 6);

  const broken = await Promise.allSettled([writer.write(row(customer.id, 'g')), writer.write(row('7d4f5e52-0000-4000-8000-000000000000', 'h')), writer.write(row(customer.id, 'i'))]);
  t.is(broken[0]?.status, 'fulfilled', 'the first row went alone');
  t.deepEqual(broken.slice(1).map((outcome) => outcome.status), ['rejected', 'rejected'], 'the batch with a bad row fails as a whole');
});
