import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { listReader } from '../../../shared/infra/replicas.js';
import { decodeCursor, page, pageLimit, rejectForgedCursor } from '../cursor.js';
import { parseInput } from '../parse-input.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { grantColumns } from '../../../shared/grants/grant-rows.js';

interface ItemRow { subscription_id: string }

const listQuery = z.strictObject({
  q: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  limit: pageLimit,
  cursor: z.string().max(1000).optional(),
});

/** The sort key (created_at as Postgres text, so microseconds survive the round trip; id). */
const cursorShape = z.tuple([z.string().min(1).max(64), z.uuid()]);

const listColumns = ['id', 'stripe_customer_id', 'user_id', 'email', 'name', 'deleted', 'created_at', 'updated_at'] as const;

interface ListRow { id: string; cursor_at: string; [column: string]: unknown }

/** `q` as a LIKE pattern matching anywhere, its own `%`, `_` and `\` taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `GET /admin/customers/:ref` (`cus_…` or user id) → the mirror of one customer: the customer row,
 * its subscriptions each with its items, its grants, its stored entitlements row and the last 50
 * audit rows (newest first).
 */
export function customerRoutes(context: Pick<Context, 'db' | 'replicas'>, admin: RequestHandler): Router {
  const router = Router();
  /**
   * `GET /admin/customers?q=&limit=&cursor=` → `{data, next_cursor}`, newest first by (created_at,
   * id). `q` matches the Stripe id, the user id, the email or the name, case-insensitively, anywhere.
   */
  router.get('/admin/customers', admin, async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    // A list decides nothing: a read replica within REPLICA_MAX_LAG_MS serves it when there is one.
    const db = listReader(context);
    const rows = await db('customers')
      .modify((builder) => {
        if (query.q) {
          const pattern = containing(query.q);
          builder.where((match) => {
            for (const column of ['stripe_customer_id', 'user_id', 'email', 'name']) void match.orWhereILike(column, pattern);
          });
        }
        if (query.cursor) {
          const [at, id] = decodeCursor(query.cursor, cursorShape);
          builder.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [at, id]);
        }
      })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(query.limit + 1)
      .select<ListRow[]>(...listColumns, db.raw('created_at::text as cursor_at'))
      .catch(rejectForgedCursor(query.cursor));
    const { data, next_cursor } = page(rows, query.limit, (row) => [row.cursor_at, row.id]);
    res.json({ data: data.map(({ cursor_at: _cursor, ...row }) => row), next_cursor });
  });
  router.get('/admin/customers/:ref', admin, async (req, res) => {
    const { db } = context;
    const { id } = await requireCustomer(db, String(req.params.ref));
    const [customer, subscriptions, items, grants, entitlements, audit] = await Promise.all([
      db('customers').where({ id }).first<Record<string, unknown>>(),
      db('subscriptions').where({ customer_id: id }).orderBy('stripe_created', 'desc').select<Record<string, unknown>[]>('*'),
      db('subscription_items as i').join('subscriptions as s', 's.id', 'i.subscription_id').where('s.customer_id', id).orderBy('i.id').select<ItemRow[]>('i.*'),
      db('grants').where({ customer_id: id }).orderBy('created_at', 'desc').select(...grantColumns),
      db('entitlements').where({ customer_id: id }).first() as Promise<Record<string, unknown> | undefined>,
      db('audit_log').where({ customer_id: id }).orderBy('id', 'desc').limit(50).select<Record<string, unknown>[]>('*'),
    ]);
    res.json({
      customer,
      subscriptions: subscriptions.map((sub) => ({ ...sub, items: items.filter((item) => item.subscription_id === sub.id) })),
      grants,
      entitlements: entitlements ?? null,
      audit,
    });
  });
  return router;
}
