import { randomBytes } from 'node:crypto';
import { createGrant } from '../../shared/grants/create-grant.js';
import { catalogFile } from '../support/catalog.js';
import type { TestServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

/** The catalog the usage tests run with: one feature per reset and overage policy. */
export const usageCatalog = {
  features: {
    api_calls: { metered: true, reset: 'month', overage: 'reject' },
    tokens: { metered: true, reset: 'billing_period', overage: 'reject', rollover: { max: 30 } },
    emails: { metered: true, reset: 'day', overage: 'allow' },
    minutes: { metered: true, reset: 'never', overage: 'cap' },
  },
  plans: [{ match: { lookup_key: 'metered_monthly' }, features: { tokens: 100, pro: true } }, { match: { lookup_key: 'metered_big' }, features: { tokens: 1000 } }],
};

export const usageEnv = () => ({ CATALOG_FILE: catalogFile(usageCatalog) });

export interface BalanceBody { feature: string; granted: number | null; used: number; reserved: number; remaining: number | null; rollover: number; period_start: string; period_end: string | null; next_reset_at: string | null }
export interface UsageBody { allowed: boolean; balance: BalanceBody; error?: { code: string } }

/** A customer with `allowance` of `feature` (a manual grant), and write and read keys. */
export async function meteredCustomer(services: TestServices, grants: Record<string, number> = { api_calls: 10 }) {
  const { db } = services.api.context;
  const customer = await seedCustomer(db);
  for (const [feature, value] of Object.entries(grants)) {
    await createGrant(services.api.context, { customer: customer.stripeId, feature, value, reason: 'allowance for the test' }, { actor: 'test', requestId: undefined });
  }
  const writer = await adminKey(db, { scope: 'write' });
  const reader = await adminKey(db, { scope: 'read' });
  return { customer, writer: writer.key, reader: reader.key };
}

export const key = () => `k_${randomBytes(6).toString('hex')}`;

export function consumeCall(url: string, writer: string, ref: string, body: Record<string, unknown>) {
  return call<UsageBody>(url, `/v1/customers/${ref}/usage`, { method: 'POST', key: writer, body });
}
