import type { ExecutionContext } from 'ava';
import { catalogFile } from './catalog.js';
import { eventually } from './processes.js';
import { startServices, type TestServices } from './services.js';

/** An api and a worker on their own database and prefix, with the test catalog. */
export async function startPipeline(t: ExecutionContext, env: Record<string, string> = {}): Promise<TestServices> {
  return startServices(t, { worker: true, env: { CATALOG_FILE: catalogFile(), WORKER_CONCURRENCY: '5', ...env } });
}

/** Waits until every handled inbox row is finished (processed, ignored or dead). */
export async function settled(services: TestServices, ms = 20_000): Promise<void> {
  const db = services.api.context.db;
  await eventually(async () => {
    const [{ n }] = await db('stripe_events').whereIn('status', ['received', 'queued', 'failed']).count<{ n: number }[]>({ n: '*' });
    return n === 0;
  }, ms);
}

/** The mirror and the entitlements of one customer, normalised for comparison. */
export async function mirrorOf(services: TestServices, stripeCustomerId: string) {
  const db = services.api.context.db;
  const customer = await db('customers').where({ stripe_customer_id: stripeCustomerId }).first();
  if (!customer) return undefined;
  const subscriptions = await db('subscriptions').where({ customer_id: customer.id }).orderBy('id')
    .select('id', 'status', 'cancel_at_period_end', 'latest_invoice_refunded', 'latest_invoice_status');
  const items = await db('subscription_items as i').join('subscriptions as s', 's.id', 'i.subscription_id')
    .where('s.customer_id', customer.id).orderBy('i.id').select('i.id', 'i.price_id', 'i.product_id', 'i.lookup_key', 'i.quantity');
  const entitlements = await db('entitlements').where({ customer_id: customer.id }).first();
  return {
    customer: { stripe_customer_id: customer.stripe_customer_id, user_id: customer.user_id, deleted: customer.deleted },
    subscriptions,
    items,
    features: entitlements?.features ?? null,
  };
}

/** A mirror's entitlements as `feature=value` lines (null when the customer has none stored). */
export const featureLines = (mirror: Awaited<ReturnType<typeof mirrorOf>>): string[] | null =>
  (mirror?.features as { feature: string; value: unknown }[] | null)?.map(({ feature, value }) => `${feature}=${String(value)}`) ?? null;
