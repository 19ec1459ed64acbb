import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call, seedEvent } from './admin-fixtures.js';

interface Page { data: { id: string; status: string; type: string; received_at: string; payload?: unknown }[]; next_cursor: string | null }

test('events page newest first by (received_at, id), without gaps or repeats even within one microsecond, and filter by status and type', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const sameInstant = '2026-01-02 03:04:05.123456+00';
  // Same millisecond as sameInstant: a cursor holding a JS Date (milliseconds) would skip the rows at .123456.
  const oneMicrosecondLater = '2026-01-02 03:04:05.123457+00';
  const ids: string[] = [];
  for (let index = 0; index < 7; index += 1) {
    ids.push(await seedEvent(db, { received_at: index < 4 ? sameInstant : index === 4 ? oneMicrosecondLater : `2026-01-02 03:04:0${index}.000001+00`, status: index % 2 ? 'dead' : 'processed', type: index < 6 ? 'invoice.paid' : 'customer.updated' }));
  }
  const expected = (await db('stripe_events').orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }]).select<{ id: string }[]>('id')).map((row) => row.id);

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response: { status: number; body: Page } = await call<Page>(url, `/admin/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: admin.key });
    t.is(response.status, 200);
    t.true(response.body.data.length <= 2);
    t.false(response.body.data.some((row) => 'payload' in row), 'payloads stay out of listings');
    seen.push(...response.body.data.map((row) => row.id));
    cursor = response.body.next_cursor;
    pages += 1;
  } while (cursor);
  t.deepEqual(seen, expected);
  t.is(pages, 4);

  const dead = await call<Page>(url, '/admin/events?status=dead', { key: admin.key });
  t.deepEqual(dead.body.data.map((row) => row.id).sort(), ids.filter((_id, index) => index % 2).sort());
  t.is(dead.body.next_cursor, null);
  const typed = await call<Page>(url, '/admin/events?type=customer.updated&status=processed', { key: admin.key });
  t.deepEqual(typed.body.data.map((row) => row.id), [ids[6]]);
  t.is((await call<Page>(url, '/admin/events', { key: admin.key })).body.data.length, 7, 'limit defaults to 50');
});

test('bad event listing queries are 400s naming the parameter', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  for (const [query, param] of [
    ['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=ten', 'limit'], ['status=lost', 'status'], ['type=no%20spaces', 'type'],
    ['cursor=garbage', 'cursor'], [`cursor=${Buffer.from('[1]').toString('base64url')}`, 'cursor'], ['colour=red', 'colour'],
  ]) {
    const response = await call<{ error: { code: string; param: string } }>(url, `/admin/events?${query}`, { key: admin.key });
    t.is(response.status, 400, query);
    t.is(response.body.error.param, param, query);
  }
  t.is((await call(url, '/admin/events?limit=200', { key: admin.key })).status, 200);
});

test('replaying an unknown event is a 404', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  const response = await call(url, '/admin/events/evt_unknown/replay', { method: 'POST', key: admin.key });
  t.is(response.status, 404);
  t.like(response.body, { error: { type: 'not_found', code: 'event_not_found' } });
});
