import type { Entitlement } from '../domain/index.js';

/** A customer as entitlement reads and changes name it: its row id and both kinds of reference. */
export interface CustomerRef { id: string; stripe_customer_id: string | null; user_id: string | null }

/** An entitlement as stored and served. */
export interface StoredEntitlement {
  feature: string;
  value: true | number;
  sources: { kind: 'subscription' | 'grant'; id: string }[];
  expires_at: string | null;
}

export function toStored(entitlement: Entitlement): StoredEntitlement {
  return {
    feature: entitlement.feature,
    value: entitlement.value,
    sources: entitlement.sources.map((source) => ({ kind: source.kind, id: source.id })),
    expires_at: entitlement.expiresAt ? entitlement.expiresAt.toISOString() : null,
  };
}
