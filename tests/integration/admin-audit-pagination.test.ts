import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

interface Page { data: { id: number; action: string; customer_id: string | null; at: string }[]; next_cursor: string | null }

test('the audit log pages newest first with an opaque cursor and filters by customer and since', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const [one, two] = [await seedCustomer(db), await seedCustomer(db)];
  for (const [index, customer] of [one, one, two, one, two].entries()) {
    await call(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: `f${index}`, reason: 'x' } });
  }
  await db('audit_log').insert({ actor: 'system', action: 'old.thing', subject_type: 'customer', subject_id: one.id, customer_id: one.id, at: new Date('2020-01-01T00:00:00Z') });

  const all = async (query: string) => {
    const rows: Page['data'] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: Page } = await call<Page>(url, `/admin/audit?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: admin.key });
      t.is(response.status, 200, query);
      t.regex(response.body.next_cursor ?? 'A', /^[\w-]+$/, 'base64url');
      rows.push(...response.body.data);
      cursor = response.body.next_cursor;
    } while (cursor);
    return rows;
  };

  const ofOne = await all(`customer=${one.userId}`);
  const expected = (await db('audit_log').where({ customer_id: one.id }).orderBy('id', 'desc').select('id')).map((row) => Number(row.id));
  t.deepEqual(ofOne.map((row) => Number(row.id)), expected);
  t.is(ofOne.length, 7, '3 grants × (grant.created + entitlements.changed) + the old row');
  t.true(ofOne.every((row) => row.customer_id === one.id));
  const recent = await all(`customer=${one.stripeId}&since=2025-01-01T00:00:00Z`);
  t.is(recent.length, 6);
  t.false(recent.some((row) => row.action === 'old.thing'));
  t.is((await all('action=grant.created')).length, 5);
  t.is((await all('since=2025-01-01T00:00:00Z')).length, 10);

  for (const [query, param] of [['since=yesterday', 'since'], ['cursor=WyJ4Il0', 'cursor'], ['limit=500', 'limit']]) {
    const response = await call<{ error: { param: string } }>(url, `/admin/audit?${query}`, { key: admin.key });
    t.is(response.status, 400, query);
    t.is(response.body.error.param, param, query);
  }
  t.is((await call(url, '/admin/audit?customer=cus_nobody', { key: admin.key })).status, 404);
});
