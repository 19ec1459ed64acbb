import { diffEntitlements, type EntitlementDiff } from '../domain/index.js';
import type { CustomerRef } from '../entitlements/stored-entitlement.js';
import type { EntitlementChange, RecomputeCause } from '../entitlements/recompute.js';
import type { StoredEntitlement } from '../entitlements/stored-entitlement.js';
import type { EventCause } from './event-cause.js';
import type { SubscriptionTrialWillEnd } from './trial-event.js';

export type { EventCause } from './event-cause.js';

/** Event types apps can receive (balance events come with metered usage). */
export const notifyEventTypes = ['entitlements.updated', 'subscription.trial_will_end'] as const;
export type NotifyEventType = (typeof notifyEventTypes)[number];

export interface EntitlementsUpdated {
  /** Stable per (customer, version): a redelivery or replay carries the same id. */
  id: string;
  type: 'entitlements.updated';
  created: string;
  data: {
    customer: CustomerRef;
    version: number;
    entitlements: StoredEntitlement[];
    diff: EntitlementDiff<StoredEntitlement>;
    cause: EventCause;
  };
}

export type NotifyEvent = EntitlementsUpdated | SubscriptionTrialWillEnd;

function causeOf(cause: RecomputeCause): EventCause {
  if (cause.eventId) return { type: 'event', id: cause.eventId };
  if (cause.grantId) return { type: 'grant', id: cause.grantId };
  if (cause.reconciliationRunId) return { type: 'reconciliation', id: cause.reconciliationRunId };
  if (cause.actor.startsWith('key:')) return { type: 'request', id: cause.requestId ?? null };
  return { type: 'system', id: null };
}

export function entitlementsUpdated(change: EntitlementChange, now: Date): EntitlementsUpdated {
  return {
    id: `evt_ent_${change.customer.id.replaceAll('-', '')}_${change.version}`,
    type: 'entitlements.updated',
    created: now.toISOString(),
    data: {
      customer: change.customer,
      version: change.version,
      entitlements: change.entitlements,
      diff: diffEntitlements(change.previous, change.entitlements),
      cause: causeOf(change.cause),
    },
  };
}

/** True when an event concerns the customer an app names (by Stripe customer id or user id). */
export function concernsCustomer(event: NotifyEvent, ref: string): boolean {
  return event.data.customer.stripe_customer_id === ref || event.data.customer.user_id === ref;
}
