import type { Context } from '../../shared/context.js';
import { currentCorrelation } from '../../shared/infra/correlation.js';
import { enqueueEvent } from '../../shared/events/enqueue.js';
import { eventFamily } from '../../shared/events/event-types.js';
import { recordEvent } from '../../shared/events/inbox.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import { isStripeNotFound } from '../../shared/infra/stripe-errors.js';
import { reconcileKeys } from './keys.js';
import { acquireLock } from './redis-lock.js';

export const catchUpCursorName = 'events-catch-up';
/** Stripe keeps events for 30 days: the first catch-up looks that far back. */
const firstWindowSeconds = 30 * 86_400;
/**
 * The cursor is stored this far behind the newest event processed: an event may become listable a
 * little after its `created` second, and re-listing a few minutes costs one inbox lookup per event.
 */
export const catchUpOverlapSeconds = 300;

export type CatchUpOutcome =
  | { status: 'done'; listed: number; recorded: number; from: number; cursor: number | null }
  | { status: 'skipped' };

/** A pass in progress: its lower bound, the last event of its last recorded page, the newest `created` it saw. */
interface Pass { from: number; after: string; newest: number }
interface CursorValue { created?: number; pass?: Pass }

async function readCursor(context: Pick<Context, 'db'>): Promise<CursorValue> {
  const row = await context.db('sync_cursors').where({ name: catchUpCursorName }).first<{ value: CursorValue } | undefined>('value');
  return row?.value ?? {};
}

/** Ends a pass: the cursor moves forward (never backwards: two catch-ups racing past the lock cannot undo each other), and the pass is forgotten. */
async function writeCursor(context: Pick<Context, 'db'>, created: number): Promise<void> {
  await context.db.raw(
    `insert into sync_cursors (name, value, updated_at) values (:name, :value::jsonb, now())
     on conflict (name) do update set updated_at = now(), value = case
       when coalesce((sync_cursors.value->>'created')::bigint, 0) < (excluded.value->>'created')::bigint then excluded.value
       else sync_cursors.value - 'pass' end`,
    { name: catchUpCursorName, value: JSON.stringify({ created }) },
  );
}

/** Remembers how far a pass got, so a pass cut short (Stripe failing, a worker stopping) resumes after its last recorded page. */
async function savePass(context: Pick<Context, 'db'>, pass: Pass): Promise<void> {
  await context.db.raw(
    `insert into sync_cursors (name, value, updated_at) values (:name, jsonb_build_object('pass', :pass::jsonb), now())
     on conflict (name) do update set value = sync_cursors.value || jsonb_build_object('pass', :pass::jsonb), updated_at = now()`,
    { name: catchUpCursorName, pass: JSON.stringify(pass) },
  );
}

/** Records the page's events the inbox lacks and enqueues the handled ones, as a webhook delivery would. */
async function recordMissing(context: Pick<Context, 'db' | 'shards'>, events: readonly Stripe.Event[]): Promise<number> {
  if (events.length === 0) return 0;
  const known = new Set(await context.db('stripe_events').whereIn('id', events.map((event) => event.id)).pluck<string[]>('id'));
  let recorded = 0;
  for (const event of events) {
    if (known.has(event.id)) continue;
    const handled = eventFamily(event.type) !== undefined;
    const correlationId = currentCorrelation()?.correlationId ?? event.id;
    const isNew = await recordEvent(context.db, {
      id: event.id, type: event.type, api_version: event.api_version ?? null, livemode: event.livemode,
      stripe_created: new Date(event.created * 1000), payload: event, status: handled ? 'received' : 'ignored', correlation_id: correlationId,
    });
    if (!isNew) continue;
    recorded += 1;
    // If Redis fails here the row stays `received` and the inbox relay enqueues it later.
    if (handled) await enqueueEvent(context.shards, { id: event.id, type: event.type, correlationId, payload: event });
  }
  return recorded;
}

/**
 * Catch-up: lists Stripe's events since the cursor (newest first, auto-paginated under the shared
 * rate limit) and feeds those the inbox never received through it, as if delivered. The inbox key
 * is the event id, so nothing is recorded twice. Each recorded page is remembered, so a pass cut
 * short resumes after it; the cursor advances only when a pass ends, to the newest `created` it saw
 * minus {@link catchUpOverlapSeconds}. One catch-up at a time.
 */
export async function catchUpEvents(context: Context, now = new Date()): Promise<CatchUpOutcome> {
  const attempt = await acquireLock(context.redis, reconcileKeys.catchUpLock(context.config.REDIS_PREFIX), currentCorrelation()?.jobId ?? `pid-${process.pid}`);
  if (!attempt.acquired) return { status: 'skipped' };
  try {
    const stored = await readCursor(context);
    try {
      return await pass(context, stored.pass ?? { from: stored.created ?? Math.floor(now.getTime() / 1000) - firstWindowSeconds });
    } catch (error) {
      // The event a stored pass resumes after has left Stripe's 30 days: that pass starts over.
      if (!stored.pass || !isStripeNotFound(error)) throw error;
      return await pass(context, { from: stored.pass.from });
    }
  } finally {
    await attempt.lock.release();
  }
}

async function pass(context: Context, start: Partial<Pass> & { from: number }): Promise<CatchUpOutcome> {
  const { from } = start;
  let newest = start.newest;
  let listed = 0;
  let recorded = 0;
  let page: Stripe.Event[] = [];
  for await (const event of context.stripe.events.list({ created: { gte: from }, limit: 100, ...(start.after && { starting_after: start.after }) })) {
    listed += 1;
    newest = Math.max(newest ?? event.created, event.created);
    page.push(event);
    if (page.length === 100) {
      recorded += await recordMissing(context, page);
      await savePass(context, { from, after: event.id, newest });
      page = [];
    }
  }
  recorded += await recordMissing(context, page);
  const cursor = newest === undefined ? null : Math.max(from, newest - catchUpOverlapSeconds);
  if (cursor !== null) await writeCursor(context, cursor);
  if (recorded > 0) context.logger.warn('catch-up found events the inbox never received', { listed, recorded, from, resumed: start.after !== undefined });
  return { status: 'done', listed, recorded, from, cursor };
}
