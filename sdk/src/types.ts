/** Shapes of the service's answers, as the OpenAPI document (`GET /openapi.json`) gives them. */

export interface Customer { id: string; stripe_customer_id: string | null; user_id: string | null }

export interface Entitlement {
  feature: string;
  /** `true` for a boolean feature, or a number (quota, seats). */
  value: true | number;
  sources: { kind: 'subscription' | 'grant'; id: string }[];
  expires_at: string | null;
}

export interface CustomerEntitlements {
  customer: Customer | null;
  entitlements: Entitlement[];
  /** Moves by one with every stored change; 0 for an unknown customer. */
  version: number;
  as_of: string;
}

export interface EntitlementsUpdatedEvent {
  id: string;
  type: 'entitlements.updated';
  created: string;
  data: {
    customer: Customer;
    version: number;
    entitlements: Entitlement[];
    diff: { added: Entitlement[]; removed: Entitlement[]; changed: { feature: string; before: Entitlement; after: Entitlement }[] };
    cause: { type: 'event' | 'grant' | 'reconciliation' | 'request' | 'system'; id: string | null };
  };
}

/** One feature as the client answers it: `fallback` is true when the service could not be asked and the fail-open/closed choice answered. */
export interface FeatureAnswer { feature: string; entitled: boolean; value: true | number | null; fallback: boolean }
