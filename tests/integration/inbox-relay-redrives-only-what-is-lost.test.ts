import test from 'ava';
import { enqueueEvent } from '../../shared/events/enqueue.js';
import { enqueueSync } from '../../workers/jobs.js';
import { relayInbox } from '../../workers/processors/relay.js';
import { startServices } from '../support/services.js';
import { failedJobs, seedEvent } from './admin-fixtures.js';

/**
 * The relay looks at unfinished inbox rows and re-drives only what was lost: an event waiting for
 * its customer's sync is left to that sync, a lost sync is re-added as a sync (not as its events),
 * a job failed for good whose row missed being marked dead (Postgres was down when it was parked)
 * becomes dead, and an event with no job at all is re-added.
 */
test('the relay re-adds lost work once, leaves work on its way alone, and marks dead what failed for good', async (t) => {
  const { api, config } = await startServices(t);
  const { db, queues } = api.context;
  const waiting = await seedEvent(db, { status: 'queued', attempts: 1, customer_id: 'cus_waiting', last_error: null });
  await enqueueSync(api.context, { stripeCustomerId: 'cus_waiting', eventId: waiting });
  const lostSync = await seedEvent(db, { status: 'queued', attempts: 1, customer_id: 'cus_lost', last_error: null });
  const failedForGood = await seedEvent(db, { status: 'failed', attempts: 3, last_error: 'permanently broken' });
  await failedJobs(config, queues.events, [failedForGood]);
  const noJob = await seedEvent(db, { status: 'received', attempts: 0, last_error: null });
  const delayed = await seedEvent(db, { status: 'failed', attempts: 1, last_error: 'Stripe 503' });
  await queues.events.add('invoice.paid', { eventId: delayed }, { jobId: delayed, delay: 60_000 });

  const outcome = await relayInbox(api.context, { olderThanSeconds: 0 });

  t.deepEqual(outcome, { events: 1, syncs: 1, dead: 1 });
  t.is(await queues.events.getJob(waiting), undefined, 'an event handed to a sync on its way is not run again');
  t.like(await db('stripe_events').where({ id: waiting }).first(), { status: 'queued', attempts: 1 });
  const syncs = await queues.sync.getJobs(['waiting', 'delayed', 'prioritized']);
  t.deepEqual(syncs.map((job) => (job.data as { stripeCustomerId: string }).stripeCustomerId).sort(), ['cus_lost', 'cus_waiting']);
  t.is(await queues.events.getJob(lostSync), undefined, 'a lost sync comes back as a sync, not as its event');
  t.like(await db('stripe_events').where({ id: failedForGood }).first(), { status: 'dead', last_error: 'permanently broken' });
  t.is(await (await queues.events.getJob(noJob))?.getState(), 'waiting');
  t.is(await (await queues.events.getJob(delayed))?.getState(), 'delayed', 'a job waiting out its backoff is left alone');

  // A second pass finds nothing more to do: nothing is re-added twice.
  t.deepEqual(await relayInbox(api.context, { olderThanSeconds: 0 }), { events: 0, syncs: 0, dead: 0 });
});

test('an event whose job was completed and removed but whose row is still received is re-added', async (t) => {
  const { api } = await startServices(t);
  const { db, queues } = api.context;
  const id = await seedEvent(db, { status: 'received', attempts: 0, last_error: null });
  await enqueueEvent(queues, { id, type: 'invoice.paid' });
  const job = await queues.events.getJob(id);
  await job!.remove();
  t.deepEqual(await relayInbox(api.context, { olderThanSeconds: 0 }), { events: 1, syncs: 0, dead: 0 });
  t.is(await (await queues.events.getJob(id))?.getState(), 'waiting');
});
