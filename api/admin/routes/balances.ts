import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { adjustBalance } from '../../../shared/usage/adjust-balance.js';
import { adjustSchema } from '../../../shared/usage/usage-requests.js';
import type { UsageDeps } from '../../../shared/usage/usage-target.js';
import { adminActor } from '../admin-actor.js';
import { decodeCursor, page, pageLimit, rejectForgedCursor } from '../cursor.js';
import { parseInput } from '../parse-input.js';
import { replayedHeader } from '../../routes/usage.js';

const ledgerQuery = z.strictObject({
  feature: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  limit: pageLimit,
  cursor: z.string().max(200, 'is not a cursor this api returned').optional(),
});
const ledgerColumns = ['id', 'feature', 'kind', 'amount', 'idempotency_key', 'reservation_id', 'reason', 'actor', 'properties', 'occurred_at', 'recorded_at', 'period_start', 'period_end'] as const;
interface LedgerListRow { id: string; amount: string; [column: string]: unknown }

/**
 * An operator's balance adjustment as `POST /admin/balances/adjust` makes it, from the request's
 * body: parsed by one schema (a 400 names every bad field), then {@link adjustBalance} under the
 * request's key, which writes the ledger row and its `balance.adjusted` audit row. The console's
 * form comes through here too, so both are one code path.
 */
export async function adjustRequested(usage: UsageDeps, body: unknown, res: Response) {
  return adjustBalance(usage, parseInput(adjustSchema, body, 'body'), adminActor(res));
}

/**
 * `POST /admin/balances/adjust` → 200 {entry, balance}: an audited credit (positive amount) or
 * debit (negative) of the current period, idempotent with an optional key. `GET
 * /admin/customers/:ref/ledger?feature=&limit=&cursor=` → the customer's ledger rows, newest first.
 */
export function balanceRoutes(usage: UsageDeps, admin: RequestHandler): Router {
  const router = Router();
  router.post('/admin/balances/adjust', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const { entry, balance, replayed } = await adjustRequested(usage, req.body, res);
    if (replayed) res.set(replayedHeader, 'true');
    res.json({ entry, balance });
  });
  router.get('/admin/customers/:ref/ledger', admin, async (req, res) => {
    const query = parseInput(ledgerQuery, req.query, 'query');
    const customer = await requireCustomer(usage.context.db, String(req.params.ref));
    const [after] = query.cursor ? decodeCursor(query.cursor, z.tuple([z.string().regex(/^\d{1,18}$/)])) : [];
    const rows = await usage.context.db('usage_ledger').where({ customer_id: customer.id })
      .modify((q) => {
        if (query.feature) q.where({ feature: query.feature });
        if (after) q.where('id', '<', after);
      })
      .orderBy('id', 'desc').limit(query.limit + 1).select<LedgerListRow[]>(...ledgerColumns)
      .catch(rejectForgedCursor(query.cursor));
    const data = rows.map((row) => ({ ...row, id: String(row.id), amount: Number(row.amount) }));
    res.json(page(data, query.limit, (row) => [row.id]));
  });
  return router;
}
