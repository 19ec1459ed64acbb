import type { AccessPolicy, GrantState, ItemState, SubscriptionState } from '../../shared/domain/index.js';

/** Builders for domain test state: defaults describe a healthy active subscription. */

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const HOUR = 3_600_000;
export const POLICY: AccessPolicy = { pastDueGraceHours: 72, disputePolicy: 'revoke_on_open' };

export function at(offsetMs: number, from: Date = NOW): Date {
  return new Date(from.getTime() + offsetMs);
}

export function item(overrides: Partial<ItemState> = {}): ItemState {
  return {
    id: 'si_1',
    priceId: 'price_pro_monthly',
    productId: 'prod_pro',
    lookupKey: 'pro_monthly',
    quantity: 1,
    currentPeriodEnd: at(30 * 24 * HOUR),
    ...overrides,
  };
}

export function subscription(overrides: Partial<SubscriptionState> = {}): SubscriptionState {
  return {
    id: 'sub_1',
    status: 'active',
    cancelAtPeriodEnd: false,
    pastDueSince: null,
    latestInvoiceRefunded: false,
    latestInvoiceDispute: null,
    items: [item()],
    ...overrides,
  };
}

export function grant(overrides: Partial<GrantState> = {}): GrantState {
  return { id: 'grant_1', feature: 'beta', value: true, expiresAt: null, revokedAt: null, ...overrides };
}
