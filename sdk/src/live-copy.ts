import type { Customer, CustomerEntitlements, Entitlement, EntitlementsUpdatedEvent } from './types.js';

interface Held { customer: Customer | null; version: number; entitlements: Entitlement[]; byFeature: Map<string, { entitlement: Entitlement; expiresAt: number }> }

const never = Number.POSITIVE_INFINITY;

function hold(customer: Customer | null, version: number, entitlements: Entitlement[]): Held {
  return {
    customer, version, entitlements,
    byFeature: new Map(entitlements.map((entitlement) => [entitlement.feature, { entitlement, expiresAt: entitlement.expires_at ? Date.parse(entitlement.expires_at) : never }])),
  };
}

/**
 * The in-process copy a watch keeps: per customer, the newest version seen, from reads and stream
 * events alike. Order does not matter: an older version never replaces a newer one. Lookups are
 * synchronous map reads; an entitlement past its `expires_at` is treated as absent.
 */
export class LiveCopy {
  private readonly byRef = new Map<string, Held>();

  /** Stores an answer or event if it is newer than what is held; true when it was. */
  apply(customer: Customer | null, refs: readonly (string | null | undefined)[], version: number, entitlements: Entitlement[]): boolean {
    const keys = refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0);
    const current = keys.map((ref) => this.byRef.get(ref)?.version ?? -1).reduce((a, b) => Math.max(a, b), -1);
    if (version <= current) return false;
    const held = hold(customer, version, entitlements);
    for (const ref of keys) this.byRef.set(ref, held);
    return true;
  }

  applyRead(ref: string, read: CustomerEntitlements): boolean {
    return this.apply(read.customer, [ref, read.customer?.stripe_customer_id, read.customer?.user_id], read.version, read.entitlements);
  }

  /** Applies an event; returns the version held before it (-1: none), so the caller can spot a gap. */
  applyEvent(event: EntitlementsUpdatedEvent): number {
    const { customer, version, entitlements } = event.data;
    const before = this.version(customer.stripe_customer_id ?? customer.user_id ?? '');
    this.apply(customer, [customer.stripe_customer_id, customer.user_id], version, entitlements);
    return before;
  }

  holds(ref: string): boolean {
    return this.byRef.has(ref);
  }

  version(ref: string): number {
    return this.byRef.get(ref)?.version ?? -1;
  }

  refs(): string[] {
    return [...this.byRef.keys()];
  }

  entitlement(ref: string, feature: string, now = Date.now()): Entitlement | undefined {
    const entry = this.byRef.get(ref)?.byFeature.get(feature);
    return entry && entry.expiresAt > now ? entry.entitlement : undefined;
  }

  entitlements(ref: string): Entitlement[] | undefined {
    const held = this.byRef.get(ref);
    if (!held) return undefined;
    const now = Date.now();
    return held.entitlements.filter((entitlement) => !entitlement.expires_at || Date.parse(entitlement.expires_at) > now);
  }
}

/** True for `true` and for numbers above 0: the service's own rule. */
export function isEntitled(value: true | number | null | undefined): boolean {
  return value === true || (typeof value === 'number' && value > 0);
}
