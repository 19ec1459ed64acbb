import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { listReader } from '../../../shared/infra/replicas.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { decodeCursor, page, pageLimit, rejectForgedCursor } from '../cursor.js';
import { parseInput } from '../parse-input.js';

const listQuery = z.strictObject({
  customer: z.string().min(1).max(200).optional(),
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z' }).optional(),
  action: z.string().regex(/^[\w.]{1,100}$/, 'must be an action such as grant.created').optional(),
  limit: pageLimit,
  cursor: z.string().max(200).optional(),
});

const cursorShape = z.tuple([z.string().regex(/^\d{1,19}$/)]);

/** `GET /admin/audit?customer=&since=&action=&limit=&cursor=` → `{data, next_cursor}`, newest first. */
export function auditRoutes(context: Pick<Context, 'db' | 'replicas'>, admin: RequestHandler): Router {
  const router = Router();
  router.get('/admin/audit', admin, async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    const customer = query.customer ? await requireCustomer(context.db, query.customer) : undefined;
    const db = listReader(context);
    const rows = await db('audit_log')
      .modify((builder) => {
        if (customer) builder.where({ customer_id: customer.id });
        if (query.since) builder.where('at', '>=', new Date(query.since));
        if (query.action) builder.where({ action: query.action });
        if (query.cursor) builder.where('id', '<', decodeCursor(query.cursor, cursorShape)[0]);
      })
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .select<{ id: string }[]>('*')
      .catch(rejectForgedCursor(query.cursor));
    res.json(page(rows, query.limit, (row) => [String(row.id)]));
  });
  return router;
}
