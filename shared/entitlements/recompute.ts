import type { Knex } from 'knex';
import { preparedStatement } from '../infra/db.js';
import type { CatalogFile } from '../domain/index.js';
import { computeEntitlements, type AccessPolicy } from '../domain/index.js';
import { markSyncedEventsProcessedSql } from '../events/inbox.js';
import { loadEntitlementInputs } from './customer-state.js';
import { toStored, type CustomerRef, type StoredEntitlement } from './stored-entitlement.js';

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

/** A sync's fetch: the customer's inbox events it reflects become processed with the entitlements it stored. */
export interface SyncedFetch { stripeCustomerId: string; fetchStartedAt: Date }

/** An inbox event a sync made processed. */
export interface ProcessedEvent { type: string; stripeCreated: Date | null }

export interface RecomputeResult {
  changed: boolean;
  /** Inbox events marked processed (after a sync only). */
  processedEvents: ProcessedEvent[];
  /** References whose cache entries must be invalidated after commit. */
  refs: string[];
  entitlements: StoredEntitlement[];
  /** The customer's entitlement version after this recompute (0: no customer). */
  version: number;
  /** What changed, for the stream and outbound webhooks; absent when nothing did. */
  change?: EntitlementChange | undefined;
}

/** A stored change of one customer's entitlements, as apps are told of it. */
export interface EntitlementChange {
  customer: CustomerRef;
  version: number;
  previous: StoredEntitlement[];
  entitlements: StoredEntitlement[];
  cause: RecomputeCause;
}

/**
 * Stores the new list and, only when it differs from the stored one (jsonb equality: same
 * features, values, sources and expiries), writes the audit row with the list before and after;
 * after a sync, it also marks processed the inbox events the sync reflects (the customer's queued
 * or failed events received before its fetch started; none otherwise): one statement, one round
 * trip. Every part of it sees the rows as they were before the statement (Postgres runs a
 * data-modifying WITH part whether or not the final select reads it). The customer's `version`
 * moves by one exactly when the list changes (the same condition as the audit row), in this statement.
 */
const storeQuery = preparedStatement<{ changed: number; version: number; previous: StoredEntitlement[] | null; processed: { type: string; stripe_created: string | null }[] }>('entitlements-store', `
  with previous as (select features from entitlements where customer_id = :customer_id),
  stored as (
    insert into entitlements (customer_id, features, next_change_at, computed_at, version)
    values (:customer_id, :features::jsonb, :next_change_at, :computed_at, 1)
    on conflict (customer_id) do update set
      features = excluded.features, next_change_at = excluded.next_change_at, computed_at = excluded.computed_at,
      version = entitlements.version + (case when entitlements.features = excluded.features then 0 else 1 end)
    returning version),
  audited as (
    insert into audit_log (actor, action, subject_type, subject_id, customer_id, before, after, event_id, grant_id, reconciliation_run_id, request_id, reason)
    select :actor::text, 'entitlements.changed', 'customer', :customer_id::text, :customer_id::uuid, (select features from previous), :features::jsonb,
      :event_id::text, :grant_id::uuid, :reconciliation_run_id::uuid, :request_id::text, :reason::text
     where not exists (select 1 from previous where features = :features::jsonb)
    returning 1),
  processed as (${markSyncedEventsProcessedSql})
  select (select count(*) from audited)::int as changed, (select version from stored) as version, (select features from previous) as previous,
    (select coalesce(json_agg(json_build_object('type', type, 'stripe_created', stripe_created)), '[]') from processed) as processed`);

/**
 * Recomputes one customer's entitlements inside `trx`, under a row lock on the customer so
 * concurrent recomputes serialise, and writes an audit row when the result changed. The caller
 * commits, then invalidates the cache for `refs`. `customer` is an id (the row is locked here) or
 * a row the caller has already locked in this transaction.
 */
export async function recomputeInTransaction(
  trx: Knex.Transaction,
  inputs: { catalogFile: CatalogFile; policy: AccessPolicy },
  customerOrId: string | CustomerRef,
  cause: RecomputeCause,
  now = new Date(),
  synced?: SyncedFetch,
): Promise<RecomputeResult> {
  const customer = typeof customerOrId === 'string'
    ? await trx('customers').select<CustomerRef[]>('id', 'stripe_customer_id', 'user_id').where({ id: customerOrId }).forUpdate().first()
    : customerOrId;
  if (!customer) return { changed: false, processedEvents: [], refs: [], entitlements: [], version: 0 };
  const { state, catalog } = await loadEntitlementInputs(trx, inputs.catalogFile, customer.id);
  const result = computeEntitlements(state, catalog, inputs.policy, now);
  const entitlements = result.entitlements.map(toStored);
  const refs = [customer.stripe_customer_id, customer.user_id].filter((ref): ref is string => ref !== null);
  const [written] = await storeQuery(trx, {
    customer_id: customer.id,
    features: JSON.stringify(entitlements),
    next_change_at: result.nextChangeAt,
    computed_at: now,
    actor: cause.actor,
    event_id: cause.eventId ?? null,
    grant_id: cause.grantId ?? null,
    reconciliation_run_id: cause.reconciliationRunId ?? null,
    request_id: cause.requestId ?? null,
    reason: cause.reason ?? null,
    synced_customer: synced?.stripeCustomerId ?? null,
    fetch_started_at: synced?.fetchStartedAt ?? null,
  });
  const processedEvents = (written?.processed ?? []).map((event) => ({ type: event.type, stripeCreated: event.stripe_created === null ? null : new Date(event.stripe_created) }));
  const changed = (written?.changed ?? 0) > 0;
  const version = written?.version ?? 0;
  const change = changed ? { customer: { id: customer.id, stripe_customer_id: customer.stripe_customer_id, user_id: customer.user_id }, version, previous: written?.previous ?? [], entitlements, cause } : undefined;
  return { changed, processedEvents, refs, entitlements, version, change };
}
