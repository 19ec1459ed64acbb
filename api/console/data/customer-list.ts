import { z } from 'zod';
import type { Db } from '../../../shared/infra/db.js';
import { decodeCursor, page, rejectForgedCursor } from '../../admin/cursor.js';
import type { StandingSubscription } from '../customer-status.js';

export interface CustomerListRow {
  id: string; stripe_customer_id: string | null; user_id: string | null; email: string | null; name: string | null; deleted: boolean; created_at: Date;
  subscriptions: (StandingSubscription & { plans: string[] })[];
  last_event_at: Date | null;
}

/** The sort key: created_at as Postgres text (microseconds survive), id. */
const cursorShape = z.tuple([z.string().min(1).max(64), z.uuid()]);

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Subscriptions that still say something about a customer's standing (ended ones older than this view are left out). */
const shownStatuses = ['active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete', 'paused'];

/**
 * One page of customers, newest first by (created_at, id), keyset-paged. `q` finds a Stripe id or
 * a user id exactly or by prefix, and an email or name anywhere in it, case-insensitively. Each
 * row carries its subscriptions with their plans (lookup key, else product) and the time of the
 * customer's newest inbox event. The first page is a walk of customers_created_id_idx.
 */
export async function customerList(db: Db, query: { q?: string | undefined; cursor?: string | undefined; limit: number }): Promise<{ data: CustomerListRow[]; next_cursor: string | null }> {
  const pageOf = (runner: Db) => runner('customers')
    .modify((builder) => {
      if (query.q) {
        const prefix = `${escapeLike(query.q)}%`;
        const anywhere = `%${escapeLike(query.q)}%`;
        builder.where((match) => {
          void match.whereLike('stripe_customer_id', prefix).orWhereLike('user_id', prefix).orWhereILike('email', anywhere).orWhereILike('name', anywhere);
        });
      }
      if (query.cursor) {
        const [at, id] = decodeCursor(query.cursor, cursorShape);
        builder.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [at, id]);
      }
    })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(query.limit + 1)
    .select<(Omit<CustomerListRow, 'subscriptions' | 'last_event_at'> & { cursor_at: string })[]>(
      'id', 'stripe_customer_id', 'user_id', 'email', 'name', 'deleted', 'created_at', db.raw('created_at::text as cursor_at'))
    .catch(rejectForgedCursor(query.cursor));
  // A search is planned for its own words (queries run with generic plans, shared/infra/db.ts): a
  // selective one then reads customers_search_trgm_idx, a common one walks the list's order.
  const rows = query.q
    ? await db.transaction(async (trx) => {
      await trx.raw('set local plan_cache_mode = force_custom_plan');
      return pageOf(trx);
    })
    : await pageOf(db);
  const { data, next_cursor } = page(rows, query.limit, (row) => [row.cursor_at, row.id]);
  const ids = data.map((row) => row.id);
  const stripeIds = data.flatMap((row) => (row.stripe_customer_id ? [row.stripe_customer_id] : []));
  const [subscriptions, lastEvents] = await Promise.all([
    db('subscriptions as s').whereIn('s.customer_id', ids).whereIn('s.status', shownStatuses)
      .select<(StandingSubscription & { customer_id: string; plans: string[] | null })[]>('s.customer_id', 's.status', 's.past_due_since', 's.latest_invoice_refunded',
        db.raw('(select array_agg(coalesce(i.lookup_key, i.product_id) order by i.id) from subscription_items i where i.subscription_id = s.id) as plans')),
    // One index probe per customer (stripe_events_customer_received_idx): the newest event of each.
    stripeIds.length === 0 ? [] : db.select<{ customer_id: string; at: Date }[]>('c.stripe_customer_id as customer_id', 'e.at')
      .from(db.raw('unnest(?::text[]) as c(stripe_customer_id)', [stripeIds]))
      .joinRaw('cross join lateral (select received_at as at from stripe_events where customer_id = c.stripe_customer_id order by received_at desc limit 1) e'),
  ]);
  const lastAt = new Map(lastEvents.map((row) => [row.customer_id, row.at]));
  return {
    data: data.map(({ cursor_at: _cursor, ...row }) => ({
      ...row,
      subscriptions: subscriptions.filter((sub) => sub.customer_id === row.id).map(({ customer_id: _customer, plans, ...sub }) => ({ ...sub, plans: plans ?? [] })),
      last_event_at: row.stripe_customer_id ? lastAt.get(row.stripe_customer_id) ?? null : null,
    })),
    next_cursor,
  };
}
