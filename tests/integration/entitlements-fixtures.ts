import { randomBytes } from 'node:crypto';
import type { ApiProcess } from '../../api/main.js';
import { createKey, type KeyScope } from '../../shared/api-keys.js';
import type { Db } from '../../shared/infra/db.js';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';

/** Helpers for the entitlement read tests: customers and keys seeded straight into the test's database. */

export const pro: StoredEntitlement = { feature: 'pro', value: true, sources: [{ kind: 'subscription', id: 'sub_pro1' }], expires_at: null };
export const seats = (value: number): StoredEntitlement => ({ feature: 'seats', value, sources: [{ kind: 'subscription', id: 'sub_team1' }], expires_at: null });

export interface SeededCustomer { id: string; stripeId: string; userId: string }

/** A customer with both references and a stored (current) entitlements row. */
export async function seedCustomer(db: Db, features: StoredEntitlement[] = [pro], nextChangeAt: Date | null = null): Promise<SeededCustomer> {
  const suffix = randomBytes(5).toString('hex');
  const stripeId = `cus_${suffix}`;
  const userId = `user_${suffix}`;
  const [row] = await db('customers').insert({ stripe_customer_id: stripeId, user_id: userId }).returning<{ id: string }[]>('id');
  const id = row.id;
  await db('entitlements').insert({ customer_id: id, features: JSON.stringify(features), next_change_at: nextChangeAt, computed_at: new Date() });
  return { id, stripeId, userId };
}

export async function setStoredFeatures(db: Db, customerId: string, features: StoredEntitlement[]): Promise<void> {
  await db('entitlements').where({ customer_id: customerId }).update({ features: JSON.stringify(features), computed_at: new Date() });
}

export async function keyFor(db: Db, scope: KeyScope = 'read'): Promise<string> {
  return (await createKey(db, { name: `test-${scope}`, scope })).key;
}

/** GET with a bearer key. */
export function read(baseUrl: string, path: string, key: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { headers: { ...(key !== undefined && { authorization: `Bearer ${key}` }), ...headers } });
}

/** Counts the SQL queries a knex instance sends until `stop()`. */
export function countQueries(db: Db): { count: () => number; sql: () => string[]; stop: () => void } {
  const seen: string[] = [];
  const listener = (query: { sql: string }) => { seen.push(query.sql); };
  db.on('query', listener);
  return { count: () => seen.length, sql: () => [...seen], stop: () => { db.off('query', listener); } };
}

/** Resolves when the api's cache has processed an invalidation naming `ref`. */
export function invalidationSeen(api: ApiProcess, ref: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (refs: string[]) => {
      if (!refs.includes(ref)) return;
      api.entitlements.off('invalidated', listener);
      resolve();
    };
    api.entitlements.on('invalidated', listener);
  });
}

/** The sum of `entitlement_cache_requests_total` for one tier and result. */
export async function cacheCount(api: ApiProcess, tier: 'memory' | 'redis', result: 'hit' | 'miss'): Promise<number> {
  const metric = await api.context.metrics.cacheRequests.get();
  return metric.values.filter((value) => value.labels.tier === tier && value.labels.result === result).reduce((sum, value) => sum + value.value, 0);
}
