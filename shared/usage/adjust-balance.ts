import { randomUUID } from 'node:crypto';
import { writeAudit, type Actor } from '../audit.js';
import { requireCustomer } from '../grants/customer-ref.js';
import { idempotencyConflict } from './admit.js';
import { readBalance } from './consume.js';
import { insertable } from './ledger-writer.js';
import { requestHash, type AdjustRequest } from './usage-requests.js';
import { requireMetered, resolveTarget, type UsageDeps } from './usage-target.js';

/**
 * An operator's credit (positive `amount`) or debit (negative) of the current period: one ledger
 * row of kind `adjust` (counting −amount against the balance) and its audit row, in one
 * transaction; then Redis follows. Not admission-checked: a debit may take the balance below zero.
 * With a key, a retry returns the first answer (`replayed`), another body under it is a 422.
 */
export async function adjustBalance(deps: UsageDeps, request: AdjustRequest, who: Actor, now = new Date()) {
  requireMetered(deps.context, request.feature);
  const customer = await requireCustomer(deps.context.db, request.customer);
  const target = await resolveTarget(deps, request.customer, request.feature, now);
  const key = request.idempotency_key ?? `adjust:${randomUUID()}`;
  const hash = requestHash('adjust', { feature: request.feature, amount: request.amount, reason: request.reason });
  const entry = { id: '', customer_id: customer.id, feature: request.feature, amount: request.amount, reason: request.reason, idempotency_key: key, period_start: target.period.start.toISOString() };
  const written = await deps.context.db.transaction(async (trx) => {
    const [row] = await trx('usage_ledger').insert(insertable({
      customer_id: customer.id, feature: request.feature, kind: 'adjust', amount: -request.amount, idempotency_key: key, request_hash: hash,
      response: null, reason: request.reason, actor: who.actor, occurred_at: now, period_start: target.period.start, period_end: target.period.end,
    })).onConflict(['customer_id', 'idempotency_key']).ignore().returning<{ id: string }[]>('id');
    if (!row) return undefined;
    entry.id = String(row.id);
    await writeAudit(trx, who, { action: 'balance.adjusted', subjectType: 'usage_ledger', subjectId: entry.id, customerId: customer.id, after: entry, reason: request.reason });
    return row;
  });
  if (!written) {
    const previous = await deps.context.db('usage_ledger').where({ customer_id: customer.id, idempotency_key: key })
      .first<{ id: string; request_hash: string; period_start: Date }>('id', 'request_hash', 'period_start');
    if (previous.request_hash !== hash) throw idempotencyConflict();
    return { entry: { ...entry, id: String(previous.id), period_start: previous.period_start.toISOString() }, balance: await readBalance(deps, request.customer, request.feature, now), replayed: true };
  }
  await deps.store.adjust(target.slot, -request.amount);
  return { entry, balance: await readBalance(deps, request.customer, request.feature, now), replayed: false };
}
