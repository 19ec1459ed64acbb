import type { SimContext } from './context.js';
import { invalidRequest } from './errors.js';
import { currencyOptionsOf } from './ops/money.js';
import type { SimStore } from './store.js';

/** Which collection an id belongs to, by its prefix (`cus_…` → customers). */
const collections: Record<string, keyof SimStore> = {
  cus: 'customers', prod: 'products', price: 'prices', feat: 'features', sub: 'subscriptions', in: 'invoices',
  inpay: 'invoicePayments', pi: 'paymentIntents', ch: 'charges', re: 'refunds', dp: 'disputes', cs: 'checkoutSessions',
};

export function findById(ctx: SimContext, id: string): unknown {
  const collection = collections[id.slice(0, id.indexOf('_'))];
  if (collection === undefined) return undefined;
  const found = (ctx.store[collection] as Map<string, unknown>).get(id);
  return found === undefined ? undefined : structuredClone(found);
}

/** Fields Stripe leaves out unless asked for with `expand[]` (they are lists, not ids). */
function includable(ctx: SimContext, node: Record<string, unknown>, field: string): unknown {
  if (node.object === 'price' && field === 'currency_options') {
    const price = ctx.store.prices.get(String(node.id));
    return price && currencyOptionsOf(ctx, price);
  }
  if (node.object === 'invoice' && field === 'payments') {
    const data = ctx.store.invoicePayments.group(String(node.id));
    return { object: 'list', data: structuredClone(data), has_more: false, url: `/v1/invoice_payments?invoice=${String(node.id)}` };
  }
  return undefined;
}

function expandPath(ctx: SimContext, node: unknown, path: string[], full: string): unknown {
  if (path.length === 0 || node === null || node === undefined) return node;
  if (Array.isArray(node)) return node.map((item) => expandPath(ctx, item, path, full));
  if (typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const [field, ...rest] = path as [string, ...string[]];
  let value = record[field] ?? includable(ctx, record, field);
  if (typeof value === 'string') {
    value = findById(ctx, value);
    if (value === undefined) throw invalidRequest(`This property cannot be expanded (${field}).`, 'parameter_invalid', 'expand');
  } else if (value === undefined) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, 'parameter_invalid', 'expand');
  }
  record[field] = expandPath(ctx, value, rest, full);
  return record;
}

/**
 * Replaces ids by objects along each `expand[]` path (`data.items.data.price`,
 * `latest_invoice.payments`). `node` must already be a private copy.
 */
export function expand(ctx: SimContext, node: unknown, paths: readonly string[]): unknown {
  for (const full of paths) {
    const path = full.split('.');
    if (path.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property (${full}).`, 'parameter_invalid', 'expand');
    expandPath(ctx, node, path, full);
  }
  return node;
}
