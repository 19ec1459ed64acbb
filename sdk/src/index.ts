export { createClient, type BillingClient, type ClientOptions, type FeatureOptions, type ReadOptions, type SyncResult, type Watch } from './client.js';
export { BillingError } from './errors.js';
export type { Customer, CustomerEntitlements, Entitlement, EntitlementsUpdatedEvent, FeatureAnswer } from './types.js';
