import type { Knex } from 'knex';
import { requireRefKind } from '../entitlements/read.js';
import { notFound } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';

export interface CustomerRow {
  id: string;
  stripe_customer_id: string | null;
  user_id: string | null;
  email: string | null;
  deleted: boolean;
}

const customerColumns = ['id', 'stripe_customer_id', 'user_id', 'email', 'deleted'] as const;

function columnOf(ref: string): 'stripe_customer_id' | 'user_id' {
  return requireRefKind(ref, { param: 'customer' });
}

/** The customer a reference (`cus_…` or an app user id) names; 404 `customer_not_found` when none. */
export async function requireCustomer(db: Knex | Knex.Transaction, ref: string, options: { lock?: boolean } = {}): Promise<CustomerRow> {
  const query = db('customers').where(columnOf(ref), ref).first<CustomerRow | undefined>(...customerColumns);
  const customer = await (options.lock ? query.forUpdate() : query);
  if (!customer) throw notFound('customer_not_found', `no customer ${ref}`);
  return customer;
}

/**
 * The customer a grant is for. Policy: an unknown user id gets a local customer row holding only
 * the user id, because apps grant before checkout (betas, trials) and checkout later adopts that row
 * when it creates the Stripe customer. An unknown `cus_…` is a 404 `customer_not_found`: the api
 * does not ask Stripe, so a mistyped id would otherwise leave a row no sync ever fills.
 */
export async function customerForGrant(trx: Knex.Transaction, ref: string, who: Actor): Promise<CustomerRow> {
  // The customer row is locked first, so concurrent grant changes of one customer queue up instead of deadlocking.
  if (columnOf(ref) === 'stripe_customer_id') return requireCustomer(trx, ref, { lock: true });
  const [created] = await trx('customers').insert({ user_id: ref }).onConflict('user_id').ignore().returning<CustomerRow[]>([...customerColumns]);
  if (!created) return requireCustomer(trx, ref, { lock: true });
  await writeAudit(trx, who, {
    action: 'customer.created',
    subjectType: 'customer',
    subjectId: created.id,
    customerId: created.id,
    after: { user_id: ref, stripe_customer_id: null },
    reason: 'manual grant for a user without a Stripe customer',
  });
  return created;
}
