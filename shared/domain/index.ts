export type {
  AccessPolicy,
  CustomerState,
  DisputePolicy,
  DisputeStatus,
  Entitlement,
  EntitlementSet,
  EntitlementSource,
  FeatureValue,
  GrantState,
  ItemState,
  SubscriptionState,
  SubscriptionStatus,
} from './types.js';
export { disputeDenies, subscriptionAccess, type SubscriptionAccess } from './access-policy.js';
export {
  featuresForItem,
  planMatchesItem,
  planTrialDays,
  type PlanTarget,
  quantityLimits,
  type QuantityLimits,
  type Catalog,
  type CatalogPlan,
  type PlanFeatureValue,
  type PlanMatch,
} from './catalog.js';
export { CatalogFileError, parseCatalogFile, type CatalogFile, type CatalogFileIssue } from './catalog-file.js';
export { combineContributions, combineValues, type Contribution } from './combine.js';
export { computeEntitlements, isEntitled } from './compute-entitlements.js';
export { diffEntitlements, type EntitlementDiff, type NamedFeature } from './entitlement-diff.js';
export { admit, computeBalance, rolloverInto, type Admission, type Balance, type BalanceInputs, type HeldReservation, type LedgerEntry } from './balance.js';
export { periodAt, type BillingPeriod, type UsagePeriod } from './usage-period.js';
export { meteredPolicy, type MeteredFeature, type OveragePolicy, type ResetInterval, type RolloverPolicy } from './usage-policy.js';
