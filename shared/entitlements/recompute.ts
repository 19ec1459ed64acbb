import type { Knex } from 'knex';
import type { CatalogFile } from '../domain/index.js';
import { computeEntitlements, type AccessPolicy, type Entitlement } from '../domain/index.js';
import { catalogFor } from '../catalog-source.js';
import { loadCustomerState } from './customer-state.js';

/** Why entitlements were recomputed: recorded with every change in the audit log. */
export interface RecomputeCause {
  /** `worker`, `reconciliation`, `key:<id>`, `system`. */
  actor: string;
  eventId?: string | undefined;
  grantId?: string | undefined;
  reconciliationRunId?: string | undefined;
  requestId?: string | undefined;
  reason?: string | undefined;
}

/** An entitlement as stored and served. */
export interface StoredEntitlement {
  feature: string;
  value: true | number;
  sources: { kind: 'subscription' | 'grant'; id: string }[];
  expires_at: string | null;
}

export interface RecomputeResult {
  changed: boolean;
  /** References whose cache entries must be invalidated after commit. */
  refs: string[];
  entitlements: StoredEntitlement[];
}

export function toStored(entitlement: Entitlement): StoredEntitlement {
  return {
    feature: entitlement.feature,
    value: entitlement.value,
    sources: entitlement.sources.map((source) => ({ kind: source.kind, id: source.id })),
    expires_at: entitlement.expiresAt ? entitlement.expiresAt.toISOString() : null,
  };
}

interface CustomerRow { id: string; stripe_customer_id: string | null; user_id: string | null }

/**
 * Recomputes one customer's entitlements inside `trx`, under a row lock on the customer so
 * concurrent recomputes serialise, and writes an audit row when the result changed. The caller
 * commits, then invalidates the cache for `refs`.
 */
export async function recomputeInTransaction(
  trx: Knex.Transaction,
  inputs: { catalogFile: CatalogFile; policy: AccessPolicy },
  customerId: string,
  cause: RecomputeCause,
  now = new Date(),
): Promise<RecomputeResult> {
  const customer = await trx('customers').select<CustomerRow[]>('id', 'stripe_customer_id', 'user_id').where({ id: customerId }).forUpdate().first();
  if (!customer) return { changed: false, refs: [], entitlements: [] };
  const { state, productIds } = await loadCustomerState(trx, customerId);
  const catalog = await catalogFor(trx, inputs.catalogFile, productIds);
  const result = computeEntitlements(state, catalog, inputs.policy, now);
  const entitlements = result.entitlements.map(toStored);
  const previous = await trx('entitlements').select<{ features: StoredEntitlement[] }[]>('features').where({ customer_id: customerId }).first();
  const refs = [customer.stripe_customer_id, customer.user_id].filter((ref): ref is string => ref !== null);
  const changed = !previous || JSON.stringify(previous.features) !== JSON.stringify(entitlements);
  await trx('entitlements')
    .insert({ customer_id: customerId, features: JSON.stringify(entitlements), next_change_at: result.nextChangeAt, computed_at: now, version: 1 })
    .onConflict('customer_id')
    .merge({ features: JSON.stringify(entitlements), next_change_at: result.nextChangeAt, computed_at: now, version: trx.raw('entitlements.version + 1') });
  if (changed) {
    await trx('audit_log').insert({
      actor: cause.actor,
      action: 'entitlements.changed',
      subject_type: 'customer',
      subject_id: customerId,
      customer_id: customerId,
      before: previous ? JSON.stringify(previous.features) : null,
      after: JSON.stringify(entitlements),
      event_id: cause.eventId ?? null,
      grant_id: cause.grantId ?? null,
      reconciliation_run_id: cause.reconciliationRunId ?? null,
      request_id: cause.requestId ?? null,
      reason: cause.reason ?? null,
    });
  }
  return { changed, refs, entitlements };
}
