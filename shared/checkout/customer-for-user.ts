import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { writeAudit, type Actor } from '../audit.js';
import type { Db } from '../infra/db.js';
import { AppError, conflict } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import type { Stripe } from '../infra/stripe.js';
import { isIdempotencyError } from '../infra/stripe-errors.js';

export interface LocalCustomer { id: string; stripe_customer_id: string | null; user_id: string; deleted: boolean }


export async function findCustomerByUser(db: Db, userId: string): Promise<LocalCustomer | undefined> {
  return db('customers').where({ user_id: userId }).first<LocalCustomer | undefined>('id', 'stripe_customer_id', 'user_id', 'deleted');
}

/** A linked customer usable for billing: a deleted Stripe customer cannot be reused (and its user id stays taken). */
function usable(customer: LocalCustomer): customer is LocalCustomer & { stripe_customer_id: string } {
  if (customer.deleted) throw conflict('customer_deleted', `the Stripe customer of user ${customer.user_id} was deleted; restore or unlink it before a new checkout`);
  return customer.stripe_customer_id !== null;
}

/**
 * The user's Stripe customer, created on first use. One user, one customer, even when requests race:
 *
 * 1. Every creation for a user carries the idempotency key `customer-create:<user_id>`, so Stripe
 *    returns the same customer to every racer (for 24 h, far longer than any race).
 * 2. A racer that hits the key while the first request is still running (or with other parameters,
 *    e.g. another email) gets an idempotency error: it waits and re-reads the local row the winner writes.
 * 3. The local link is written with `ON CONFLICT DO NOTHING` against the unique `user_id` and
 *    `stripe_customer_id` constraints and then re-read, so whoever wrote first wins and everyone
 *    uses that row. Only the writer records `customer.created` in the audit log.
 */
export async function customerForUser(
  deps: { db: Db; stripe: Stripe; logger: Logger },
  input: { userId: string; email?: string | undefined },
  actor: Actor,
): Promise<string> {
  const existing = await findCustomerByUser(deps.db, input.userId);
  if (existing && usable(existing)) return existing.stripe_customer_id;
  const created = await createIdempotently(deps, input);
  if (!created) return linkedStripeId(deps.db, input.userId);
  await link(deps.db, created, input, actor);
  const linked = await linkedStripeId(deps.db, input.userId);
  if (linked !== created.id) deps.logger.warn('a second Stripe customer was created for a linked user and is unused', { userId: input.userId, unused: created.id, linked });
  return linked;
}

const idempotencyRetries = 5;

/** Stripe's customer, or undefined when a concurrent request linked one locally while this one waited. */
async function createIdempotently(deps: { db: Db; stripe: Stripe }, input: { userId: string; email?: string | undefined }): Promise<Stripe.Customer | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await deps.stripe.customers.create(
        { ...(input.email && { email: input.email }), metadata: { user_id: input.userId } },
        { idempotencyKey: `customer-create:${input.userId}` },
      );
    } catch (error) {
      if (!isIdempotencyError(error) || attempt >= idempotencyRetries) throw error;
      await sleep(50 * 2 ** attempt + Math.random() * 50);
      const linked = await findCustomerByUser(deps.db, input.userId);
      if (linked && usable(linked)) return undefined;
    }
  }
}

async function linkedStripeId(db: Db, userId: string): Promise<string> {
  const row = await findCustomerByUser(db, userId);
  if (row && usable(row)) return row.stripe_customer_id;
  throw new AppError(500, 'internal', 'customer_link_failed', 'the Stripe customer could not be linked to the user');
}

/** Writes the link and, when this request wrote it, its audit row, in one transaction. */
async function link(db: Db, customer: Stripe.Customer, input: { userId: string; email?: string | undefined }, who: Actor): Promise<void> {
  await db.transaction(async (trx) => {
    const localId = await writeLink(trx, customer, input);
    if (!localId) return;
    await writeAudit(trx, who, {
      action: 'customer.created',
      subjectType: 'customer',
      subjectId: customer.id,
      customerId: localId,
      after: { stripe_customer_id: customer.id, user_id: input.userId, email: customer.email ?? null },
    });
  });
}

/**
 * Three shapes of the table are possible; the local id is returned when this call wrote the link,
 * undefined when someone else already had.
 */
async function writeLink(trx: Knex.Transaction, customer: Stripe.Customer, input: { userId: string; email?: string | undefined }): Promise<string | undefined> {
  // 1. No row yet: the common case. A conflict on either unique column means a racer got there first.
  const [inserted] = await trx('customers')
    .insert({ stripe_customer_id: customer.id, user_id: input.userId, email: customer.email ?? input.email ?? null, metadata: JSON.stringify(customer.metadata) })
    .onConflict().ignore()
    .returning<{ id: string }[]>('id');
  if (inserted) return inserted.id;
  // 2. A row for the user without a Stripe customer (made for a manual grant, say).
  const [adopted] = await trx('customers')
    .where({ user_id: input.userId }).whereNull('stripe_customer_id')
    .whereNotExists(trx('customers').select(trx.raw('1')).where({ stripe_customer_id: customer.id }))
    .update({ stripe_customer_id: customer.id, updated_at: trx.fn.now() })
    .returning<{ id: string }[]>('id');
  if (adopted) return adopted.id;
  // 3. A row the webhook pipeline wrote for this Stripe customer before it knew the user.
  const [claimed] = await trx('customers')
    .where({ stripe_customer_id: customer.id }).whereNull('user_id')
    .whereNotExists(trx('customers').select(trx.raw('1')).where({ user_id: input.userId }))
    .update({ user_id: input.userId, updated_at: trx.fn.now() })
    .returning<{ id: string }[]>('id');
  return claimed?.id;
}
