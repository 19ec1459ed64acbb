import { createHash } from 'node:crypto';
import { preparedStatement, type Db } from '../infra/db.js';
import { badRequest } from '../errors.js';
import { computeEntitlements, type AccessPolicy, type CatalogFile } from '../domain/index.js';
import { loadEntitlementInputs } from './customer-state.js';
import { toStored, type CustomerRef, type StoredEntitlement } from './stored-entitlement.js';

/** A Stripe customer id, or an app user id (the alphabet checkout accepts for `user_id`, e.g. `auth0|abc`). */
const stripeCustomerRef = /^cus_[A-Za-z0-9]+$/;
const userRef = /^[\w.:@|+-]{1,200}$/;
/** Feature names as catalogs and Stripe feature lookup keys spell them. */
const featureName = /^[\w.:@+-]{1,200}$/;

export type RefKind = 'stripe_customer_id' | 'user_id';

/** Which column a reference names, or undefined when it is malformed. `cus_…` is always a Stripe id. */
export function refKind(ref: string): RefKind | undefined {
  if (stripeCustomerRef.test(ref)) return 'stripe_customer_id';
  return userRef.test(ref) ? 'user_id' : undefined;
}

/** Which column a reference names; 400 `invalid_ref` (with `details`, e.g. the param) when it is malformed. */
export function requireRefKind(ref: string, details?: Record<string, unknown>): RefKind {
  const kind = refKind(ref);
  if (!kind) throw badRequest('invalid_ref', 'the customer reference must be a Stripe customer id (cus_…) or a user id of 1–200 characters from [A-Za-z0-9_.:@|+-]', details);
  return kind;
}

export function isFeatureName(feature: string): boolean {
  return featureName.test(feature);
}

/** What one reference resolves to: the cacheable answer (also for an unknown customer). */
export interface EntitlementView {
  customer: CustomerRef | null;
  entitlements: StoredEntitlement[];
  /** The customer's entitlement version: moves by one with every stored change; 0 for an unknown customer. */
  version: number;
  /** Epoch ms at which this answer stops being true by itself (an expiry); null when never. */
  nextChangeAt: number | null;
}

/** A view ready to serve: its weak ETag and its JSON body without the trailing `as_of`. */
export interface PreparedView {
  view: EntitlementView;
  etag: string;
  bodyPrefix: string;
  byFeature: ReadonlyMap<string, StoredEntitlement>;
}

/** Weak ETag of a payload: the response also carries `as_of`, which the tag leaves out. */
export function weakEtag(payload: string): string {
  return `W/"${createHash('sha1').update(payload).digest('base64url')}"`;
}

export function prepareView(view: EntitlementView): PreparedView {
  const payload = JSON.stringify({ customer: view.customer, entitlements: view.entitlements, version: view.version });
  return {
    view,
    etag: weakEtag(payload),
    bodyPrefix: payload.slice(0, -1),
    byFeature: new Map(view.entitlements.map((entitlement) => [entitlement.feature, entitlement])),
  };
}

interface Row extends CustomerRef { features: StoredEntitlement[] | null; next_change_at: Date | null; version: number | null }

/** The customer and its stored entitlements, by either kind of reference: one statement each. */
const storedRowBy = (kind: RefKind) => preparedStatement<Row, { ref: string }>(`entitlements-read-${kind}`, `
  select c.id, c.stripe_customer_id, c.user_id, e.features, e.next_change_at, e.version
    from customers c left join entitlements e on e.customer_id = c.id
   where c.${kind} = :ref limit 1`);
const storedRow: Record<RefKind, ReturnType<typeof storedRowBy>> = { stripe_customer_id: storedRowBy('stripe_customer_id'), user_id: storedRowBy('user_id') };

export interface ReadInputs { db: Db; catalogFile: CatalogFile; policy: AccessPolicy }

/**
 * Reads one customer's entitlements from Postgres: one query when the stored row is current.
 * Expiry policy: a stored row whose `next_change_at` has passed (or a customer never computed) is
 * recomputed live from the mirror for this answer, without writing; the worker's recompute stores it.
 */
export async function readEntitlements(inputs: ReadInputs, ref: string, now: Date): Promise<EntitlementView> {
  const kind = requireRefKind(ref);
  const [row] = await storedRow[kind](inputs.db, { ref });
  if (!row) return { customer: null, entitlements: [], version: 0, nextChangeAt: null };
  const customer = { id: row.id, stripe_customer_id: row.stripe_customer_id, user_id: row.user_id };
  const stale = row.features === null || (row.next_change_at !== null && row.next_change_at.getTime() <= now.getTime());
  const version = row.version ?? 0;
  if (!stale) return { customer, entitlements: row.features ?? [], version, nextChangeAt: row.next_change_at?.getTime() ?? null };
  const { state, catalog } = await loadEntitlementInputs(inputs.db, inputs.catalogFile, row.id);
  const live = computeEntitlements(state, catalog, inputs.policy, now);
  return { customer, entitlements: live.entitlements.map(toStored), version, nextChangeAt: live.nextChangeAt?.getTime() ?? null };
}
