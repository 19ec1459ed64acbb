import type { Context } from '../../shared/context.js';
import { notFound } from '../../shared/errors.js';
import { requeueEvent, resetEventForReplay } from '../../shared/events/inbox.js';
import { writeAudit, type Actor } from '../../shared/audit.js';

const eventIdPattern = /^evt_\w{1,251}$/;

export interface ReplayResult { id: string; type: string; status: 'received'; previous_status: string; attempts: number }

/**
 * Replays an inbox event: 1. set its row back to `received` (attempts and last error kept, for the
 * record) and audit `event.replayed` with before/after; 2. remove a finished job with the event's id
 * from the events queue (a failed one is kept forever, and BullMQ ignores an add whose id exists);
 * 3. enqueue it again. A job still waiting or running is left alone: it reads the row when it runs.
 */
export async function replayEvent(context: Pick<Context, 'db' | 'queues' | 'shards'>, eventId: string, who: Actor): Promise<ReplayResult> {
  // The inbox holds only Stripe event ids; anything else (a NUL byte included, which Postgres refuses in text) names no event.
  if (!eventIdPattern.test(eventId)) throw notFound('event_not_found', `no event ${eventId} in the inbox`);
  const before = await context.db.transaction(async (trx) => {
    const row = await resetEventForReplay(trx, eventId);
    if (!row) throw notFound('event_not_found', `no event ${eventId} in the inbox`);
    const customer = row.customer_id ? await trx('customers').where({ stripe_customer_id: row.customer_id }).first<{ id: string } | undefined>('id') : undefined;
    await writeAudit(trx, who, {
      action: 'event.replayed',
      subjectType: 'stripe_event',
      subjectId: row.id,
      customerId: customer?.id ?? null,
      before: { status: row.status, attempts: row.attempts, last_error: row.last_error },
      after: { status: 'received', attempts: row.attempts, last_error: row.last_error },
      eventId: row.id,
    });
    return row;
  });
  const stored = await context.db('stripe_events').where({ id: eventId }).first<{ payload: unknown } | undefined>('payload');
  await requeueEvent(context.shards, { id: before.id, type: before.type, correlationId: who.requestId ?? null, payload: stored?.payload });
  return { id: before.id, type: before.type, status: 'received', previous_status: before.status, attempts: before.attempts };
}
