import type { Db } from '../../../shared/infra/db.js';
import type { StoredEntitlement } from '../../../shared/entitlements/stored-entitlement.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { grantColumns, type GrantRow } from '../../../shared/grants/grant-rows.js';

export interface StoryCustomer {
  id: string; stripe_customer_id: string | null; user_id: string | null; email: string | null; name: string | null;
  metadata: Record<string, unknown>; deleted: boolean; created_at: Date; synced_at: Date | null;
}

export interface StoryItem { id: string; subscription_id: string; price_id: string; product_id: string; lookup_key: string | null; quantity: number; unit_amount: string | null; current_period_end: Date | null }

export interface StorySubscription {
  id: string; status: string; cancel_at_period_end: boolean; canceled_at: Date | null; ended_at: Date | null; trial_end: Date | null;
  past_due_since: Date | null; latest_invoice_id: string | null; latest_invoice_refunded: boolean; currency: string | null; stripe_created: Date | null; synced_at: Date;
  items: StoryItem[];
}

export interface InboxRow { id: string; type: string; status: string; attempts: number; last_error: string | null; received_at: Date; processed_at: Date | null }
export interface AuditRow {
  id: string; at: Date; actor: string; action: string; subject_type: string; subject_id: string; before: unknown; after: unknown;
  event_id: string | null; grant_id: string | null; reconciliation_run_id: string | null; request_id: string | null; reason: string | null;
}
export interface DeliveryRow { id: string; endpoint_id: string; url: string; event_id: string; event_type: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null }
export interface UsageRow { id: string; feature: string; kind: string; amount: string; reason: string | null; actor: string | null; occurred_at: Date }

export interface CustomerStory {
  customer: StoryCustomer;
  subscriptions: StorySubscription[];
  grants: GrantRow[];
  entitlements: { features: StoredEntitlement[]; version: string; computed_at: Date } | undefined;
  events: InboxRow[];
  audit: AuditRow[];
  deliveries: DeliveryRow[];
  usage: UsageRow[];
}

/** How many of each source's newest rows the timeline reads: the merged timeline shows at most this many too. */
export const storyDepth = 100;

/**
 * Everything the console knows about one customer (`cus_…` or user id; 404 when unknown), each
 * source's newest {@link storyDepth} rows through an index on (customer, time): the mirror, grants,
 * stored entitlements, inbox events, audit rows, outbound deliveries of its entitlement events
 * (their ids carry the customer: `evt_ent_<customer id>_<version>`) and usage ledger rows.
 */
export async function customerStory(db: Db, ref: string): Promise<CustomerStory> {
  const { id } = await requireCustomer(db, ref);
  const customer = await db('customers').where({ id })
    .first<StoryCustomer>('id', 'stripe_customer_id', 'user_id', 'email', 'name', 'metadata', 'deleted', 'created_at', 'synced_at');
  // Its deliveries by event id prefix as a range, not LIKE: queries run with generic plans
  // (plan_cache_mode, shared/infra/db.ts), in which LIKE $1 cannot use an index and a range can
  // (webhook_deliveries_event_id_pattern_idx; ~>=~ and ~<~ compare bytes, as text_pattern_ops does).
  const deliveryPrefix = `evt_ent_${id.replaceAll('-', '')}_`;
  const deliveryPrefixEnd = `${deliveryPrefix.slice(0, -1)}\``;
  const [subscriptions, items, grants, entitlements, events, audit, deliveries, usage] = await Promise.all([
    db('subscriptions').where({ customer_id: id }).orderBy([{ column: 'stripe_created', order: 'desc' }, { column: 'id', order: 'desc' }])
      .select<Omit<StorySubscription, 'items'>[]>('id', 'status', 'cancel_at_period_end', 'canceled_at', 'ended_at', 'trial_end', 'past_due_since',
        'latest_invoice_id', 'latest_invoice_refunded', 'currency', 'stripe_created', 'synced_at'),
    db('subscription_items as i').join('subscriptions as s', 's.id', 'i.subscription_id').where('s.customer_id', id).orderBy('i.id')
      .select<StoryItem[]>('i.id', 'i.subscription_id', 'i.price_id', 'i.product_id', 'i.lookup_key', 'i.quantity', 'i.unit_amount', 'i.current_period_end'),
    db('grants').where({ customer_id: id }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).select<GrantRow[]>(...grantColumns),
    db('entitlements').where({ customer_id: id }).first<CustomerStory['entitlements']>('features', 'version', 'computed_at'),
    customer.stripe_customer_id
      ? db('stripe_events').where({ customer_id: customer.stripe_customer_id }).orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(storyDepth)
        .select<InboxRow[]>('id', 'type', 'status', 'attempts', 'last_error', 'received_at', 'processed_at')
      : Promise.resolve([]),
    db('audit_log').where({ customer_id: id }).orderBy('id', 'desc').limit(storyDepth)
      .select<AuditRow[]>('id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'event_id', 'grant_id', 'reconciliation_run_id', 'request_id', 'reason'),
    db('webhook_deliveries as d').join('webhook_endpoints as e', 'e.id', 'd.endpoint_id').whereRaw('d.event_id ~>=~ ? and d.event_id ~<~ ?', [deliveryPrefix, deliveryPrefixEnd])
      .orderBy('d.created_at', 'desc').limit(storyDepth)
      .select<DeliveryRow[]>('d.id', 'd.endpoint_id', 'e.url', 'd.event_id', 'd.event_type', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.delivered_at'),
    db('usage_ledger').where({ customer_id: id }).orderBy('id', 'desc').limit(storyDepth)
      .select<UsageRow[]>('id', 'feature', 'kind', 'amount', 'reason', 'actor', 'occurred_at'),
  ]);
  return {
    customer,
    subscriptions: subscriptions.map((sub) => ({ ...sub, items: items.filter((item) => item.subscription_id === sub.id) })),
    grants, entitlements, events, audit, deliveries, usage,
  };
}
