import { Router, type RequestHandler } from 'express';
import type { Context } from '../../../shared/context.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { grantColumns } from '../../../shared/grants/grant-rows.js';

interface ItemRow { subscription_id: string }

/**
 * `GET /admin/customers/:ref` (`cus_…` or user id) → the mirror of one customer: the customer row,
 * its subscriptions each with its items, its grants, its stored entitlements row and the last 50
 * audit rows (newest first).
 */
export function customerRoutes(context: Context, admin: RequestHandler): Router {
  const router = Router();
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
