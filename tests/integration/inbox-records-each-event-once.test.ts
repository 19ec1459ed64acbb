import test, { type ExecutionContext } from 'ava';
import { createDb, type Db } from '../../shared/infra/db.js';
import { loadEvent, markEventDead, recordEvent, type InboxEvent } from '../../shared/events/inbox.js';
import { createTestDatabase } from '../support/database.js';
import { uid } from '../support/stripe-state.js';

/** The inbox module on its own, on a database of the test's own. */
async function inbox(t: ExecutionContext): Promise<Db> {
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolMax: 2 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });
  return db;
}

const event = (status: InboxEvent['status'], fields: Partial<InboxEvent> = {}): InboxEvent => {
  const id = uid('evt');
  return {
    id, type: 'customer.subscription.updated', api_version: '2026-01-01', livemode: false, stripe_created: new Date('2026-01-01T00:00:00Z'),
    payload: { id, object: 'event', data: { object: { id: 'sub_1', customer: 'cus_1' } } }, status, correlation_id: `corr_${id}`, ...fields,
  };
};

test('an event is recorded once: true the first time, false for every redelivery, which changes nothing', async (t) => {
  const db = await inbox(t);
  const first = event('received');
  t.true(await recordEvent(db, first));
  const row = await db('stripe_events').where({ id: first.id }).first();
  t.like(row, { type: first.type, api_version: '2026-01-01', livemode: false, status: 'received', correlation_id: first.correlation_id, processed_at: null });
  t.deepEqual(row.payload, first.payload);
  t.deepEqual(row.stripe_created, first.stripe_created);

  t.false(await recordEvent(db, { ...first, type: 'customer.deleted', status: 'ignored', payload: { changed: true } }));
  t.deepEqual(await db('stripe_events').where({ id: first.id }), [row], 'the redelivery wrote nothing');
});

test('an ignored event is recorded as finished at once; a received one waits for its worker', async (t) => {
  const db = await inbox(t);
  const ignored = event('ignored', { type: 'payout.paid' });
  const received = event('received');
  t.true(await recordEvent(db, ignored));
  t.true(await recordEvent(db, received));
  const rows = await db('stripe_events').whereIn('id', [ignored.id, received.id]).select('id', 'status', 'processed_at');
  const byId = new Map(rows.map((row) => [row.id as string, row]));
  t.is(byId.get(ignored.id)?.status, 'ignored');
  t.true(byId.get(ignored.id)?.processed_at instanceof Date);
  t.like(byId.get(received.id), { status: 'received', processed_at: null });
});

test('loadEvent returns the stored event with its payload, and undefined for an id never recorded', async (t) => {
  const db = await inbox(t);
  const recorded = event('received');
  await recordEvent(db, recorded);
  const loaded = await loadEvent(db, recorded.id);
  t.like(loaded, { id: recorded.id, type: recorded.type, status: 'received', customer_id: null, correlation_id: recorded.correlation_id });
  t.deepEqual(loaded?.payload, recorded.payload);
  t.deepEqual(loaded?.stripe_created, recorded.stripe_created);
  t.true(loaded?.received_at instanceof Date);
  t.is(await loadEvent(db, uid('evt')), undefined);
});

test('markEventDead marks an unfinished event dead with the error (at most 2,000 characters) and leaves a processed one alone', async (t) => {
  const db = await inbox(t);
  const failed = event('received');
  const refused = event('received');
  const done = event('received');
  for (const recorded of [failed, refused, done]) await recordEvent(db, recorded);
  await db('stripe_events').where({ id: done.id }).update({ status: 'processed' });

  await markEventDead(db, failed.id, new Error('x'.repeat(2500)));
  await markEventDead(db, refused.id, 'No such customer');
  await markEventDead(db, done.id, new Error('too late'));
  const rows = new Map((await db('stripe_events').select('id', 'status', 'last_error')).map((row) => [row.id as string, row]));
  t.deepEqual(rows.get(failed.id), { id: failed.id, status: 'dead', last_error: 'x'.repeat(2000) });
  t.deepEqual(rows.get(refused.id), { id: refused.id, status: 'dead', last_error: 'No such customer' });
  t.deepEqual(rows.get(done.id), { id: done.id, status: 'processed', last_error: null });
});
