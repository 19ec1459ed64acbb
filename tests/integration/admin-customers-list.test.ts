import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call } from './admin-fixtures.js';

interface Page { data: { id: string; stripe_customer_id: string | null; user_id: string | null; email: string | null }[]; next_cursor: string | null }

test('customers page newest first without gaps or repeats, and q finds by Stripe id, user id, email or name', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const sameInstant = '2026-01-02 03:04:05.123456+00';
  await db('customers').insert([
    { stripe_customer_id: 'cus_alpha', user_id: 'user_1', email: 'ann@example.test', name: 'Ann', created_at: sameInstant },
    { stripe_customer_id: 'cus_beta', user_id: 'user_2', email: 'bob@example.test', name: 'Bob', created_at: sameInstant },
    { stripe_customer_id: 'cus_gamma', user_id: null, email: 'CAROL@Example.test', name: 'Carol 100%', created_at: '2026-01-03 00:00:00+00' },
    { stripe_customer_id: null, user_id: 'user_only', email: null, name: null, created_at: '2026-01-01 00:00:00+00' },
    { stripe_customer_id: 'cus_delta', user_id: 'user_4', email: 'dan@example.test', name: 'Dan_x', created_at: '2026-01-04 00:00:00+00' },
  ]);
  const expected = (await db('customers').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).select<{ id: string }[]>('id')).map((row) => row.id);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const response: { status: number; body: Page } = await call<Page>(url, `/admin/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: admin.key });
    t.is(response.status, 200);
    seen.push(...response.body.data.map((row) => row.id));
    cursor = response.body.next_cursor;
  } while (cursor);
  t.deepEqual(seen, expected);

  const find = async (q: string) => (await call<Page>(url, `/admin/customers?q=${encodeURIComponent(q)}`, { key: admin.key })).body.data.map((row) => row.stripe_customer_id ?? row.user_id);
  t.deepEqual(await find('cus_beta'), ['cus_beta']);
  t.deepEqual(await find('user_only'), ['user_only']);
  t.deepEqual(await find('carol@example'), ['cus_gamma'], 'email, case-insensitively');
  t.deepEqual(await find('bob'), ['cus_beta'], 'name or email');
  t.deepEqual(await find('100%'), ['cus_gamma'], '% is literal');
  t.deepEqual(await find('n_x'), ['cus_delta'], '_ is literal');
  t.deepEqual(await find('nobody'), []);
});

test('bad customer listing queries are 400s naming the parameter', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  for (const [query, param] of [['limit=0', 'limit'], ['q=', 'q'], [`q=${'x'.repeat(201)}`, 'q'], ['cursor=garbage', 'cursor'], [`cursor=${Buffer.from('["2026-01-01","not-a-uuid"]').toString('base64url')}`, 'cursor'], ['sort=name', 'sort']]) {
    const response = await call<{ error: { param: string } }>(url, `/admin/customers?${query}`, { key: admin.key });
    t.is(response.status, 400, query);
    t.is(response.body.error.param, param, query);
  }
});
