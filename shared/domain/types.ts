/**
 * Inputs and outputs of the entitlement domain. Plain data only: the domain never
 * reads a clock, a file or a database; callers load state and pass `now`.
 */

export type SubscriptionStatus =
  | 'active'
  | 'trialing'
  | 'past_due'
  | 'canceled'
  | 'unpaid'
  | 'incomplete'
  | 'incomplete_expired'
  | 'paused';

export interface ItemState {
  id: string;
  priceId: string;
  productId: string;
  lookupKey: string | null;
  quantity: number;
  currentPeriodEnd: Date | null;
}

export interface SubscriptionState {
  id: string;
  status: SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
  /** When the service first saw the subscription past due; null if never seen (or not past due). */
  pastDueSince: Date | null;
  /** The charge paying the latest invoice was fully refunded (cleared when a later invoice is paid). */
  latestInvoiceRefunded: boolean;
  /** Status of the latest dispute on the charge paying the latest invoice; null when none (or a later invoice was paid). */
  latestInvoiceDispute: DisputeStatus | null;
  items: ItemState[];
}

/** Stripe's dispute statuses (`warning_*` are inquiries, which may become disputes). */
export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost'
  | 'prevented';

/**
 * What a dispute on the charge paying the latest invoice does to access:
 * - `revoke_on_open`: no access from the moment a dispute (or an inquiry) is open, nor once it is lost;
 * - `revoke_on_lost`: access kept while the dispute is open, ended when it is lost;
 * - `ignore`: disputes never change access.
 * A dispute won (or an inquiry closed, or a dispute prevented) never limits access.
 */
export type DisputePolicy = 'revoke_on_open' | 'revoke_on_lost' | 'ignore';

export interface GrantState {
  id: string;
  feature: string;
  value: true | number;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface CustomerState {
  subscriptions: SubscriptionState[];
  grants: GrantState[];
}

export type FeatureValue = true | number;

export interface EntitlementSource {
  kind: 'subscription' | 'grant';
  id: string;
}

export interface Entitlement {
  feature: string;
  value: FeatureValue;
  /** Distinct sources, sorted by kind then id. */
  sources: EntitlementSource[];
  /** When `value` next changes by itself (a source expiring); null if it never does. */
  expiresAt: Date | null;
}

export interface EntitlementSet {
  /** Sorted by feature name. */
  entitlements: Entitlement[];
  /** Earliest future instant at which the set may change; recompute then. Null if never. */
  nextChangeAt: Date | null;
}

export interface AccessPolicy {
  /** Hours of access a past_due subscription keeps, counted from `pastDueSince`. */
  pastDueGraceHours: number;
  /** What a dispute on the latest invoice's charge does to access. */
  disputePolicy: DisputePolicy;
}
