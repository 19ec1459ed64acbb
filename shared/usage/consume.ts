import { AppError, unavailable } from '../errors.js';
import type { Balance } from '../domain/index.js';
import { admitOnce, idempotencyConflict, type StoredAnswer } from './admit.js';
import { balanceOf } from './balance-view.js';
import type { LedgerRow } from './ledger-writer.js';
import { requestHash, type CheckRequest, type ConsumeRequest } from './usage-requests.js';
import { resolveTarget, type UsageDeps, type UsageTarget } from './usage-target.js';

export type BalanceAnswer = { allowed: boolean; balance: Balance & { feature: string } };
export interface UsageAnswer { status: 200 | 402; body: BalanceAnswer | (BalanceAnswer & { error: { type: string; code: string; message: string } }); replayed: boolean }

export const insufficient = (answer: BalanceAnswer) => ({
  ...answer,
  error: { type: 'payment_required', code: 'insufficient_balance', message: `not enough ${answer.balance.feature} left for this request` },
});

/** The ledger's answer for a key: one indexed lookup, only on a retry's path. */
export async function storedConsume(deps: UsageDeps, customerId: string, key: string): Promise<StoredAnswer | undefined> {
  const row = await deps.context.db('usage_ledger').where({ customer_id: customerId, idempotency_key: key })
    .first<{ request_hash: string; response: unknown } | undefined>('request_hash', 'response');
  return row && { requestHash: row.request_hash, answer: row.response };
}

const allowanceArg = (target: UsageTarget) => target.allowance ?? -1;

/**
 * Consumes `amount` of a metered feature: 1. resolve customer, allowance and period; 2. admit in
 * one Redis call (check, count, remember the key); 3. write the ledger row (group commit) and only
 * then answer 200. Ack policy: a refusal (402) writes nothing; a failed write takes the admission
 * back and answers 503, so nothing is counted that the ledger does not hold; a key the ledger
 * already holds (a retry after a Redis loss) takes the admission back and replays the stored answer.
 */
export async function consume(deps: UsageDeps, ref: string, request: ConsumeRequest, now = new Date()): Promise<UsageAnswer> {
  const target = await resolveTarget(deps, ref, request.feature, now);
  const properties = request.properties && Object.fromEntries(Object.entries(request.properties).sort(([a], [b]) => (a < b ? -1 : 1)));
  const hash = requestHash('consume', { feature: request.feature, amount: request.amount, occurred_at: request.occurred_at?.toISOString(), properties });
  const stored = () => storedConsume(deps, target.customerId, request.idempotency_key);
  const outcome = await admitOnce(deps, target, {
    mode: 'admit', allowance: allowanceArg(target), amount: request.amount, overage: target.policy.overage,
    idempotencyKey: request.idempotency_key, requestHash: hash, now,
  }, stored);
  if (outcome.status === 'replay') return { status: 200, body: outcome.answer as BalanceAnswer, replayed: true };
  const answer: BalanceAnswer = { allowed: outcome.allowed, balance: balanceOf(target, outcome.figures) };
  if (!outcome.allowed) return { status: 402, body: insufficient(answer), replayed: false };

  const row: LedgerRow = {
    customer_id: target.customerId, feature: target.feature, kind: 'consume', amount: outcome.counted,
    idempotency_key: request.idempotency_key, request_hash: hash, response: answer, properties: properties ?? {},
    occurred_at: request.occurred_at ?? now, period_start: target.period.start, period_end: target.period.end,
  };
  let inserted: boolean;
  const marker = deps.store.holdMarker(target.customerId, request.idempotency_key);
  try {
    inserted = await deps.writer.write(row);
  } catch (error) {
    marker.release();
    await deps.store.undo(target.slot, request.idempotency_key, outcome.counted).catch(() => undefined);
    deps.context.logger.warn('usage not recorded', { error: error instanceof Error ? error.message : String(error) });
    throw unavailable('ledger_unavailable', 'the usage could not be recorded; nothing was counted; retry with the same idempotency_key');
  }
  marker.release();
  if (inserted) return { status: 200, body: answer, replayed: false };
  await deps.store.undo(target.slot, request.idempotency_key, outcome.counted);
  const previous = await stored();
  if (!previous) throw new AppError(500, 'internal', 'ledger_key_missing', 'the ledger refused a key it does not hold');
  if (previous.requestHash !== hash) throw idempotencyConflict();
  return { status: 200, body: previous.answer as BalanceAnswer, replayed: true };
}

/** Whether `amount` could be consumed now, without consuming it. */
export async function check(deps: UsageDeps, ref: string, request: CheckRequest, now = new Date()): Promise<BalanceAnswer> {
  const target = await resolveTarget(deps, ref, request.feature, now);
  const outcome = await admitOnce(deps, target, { mode: 'check', allowance: allowanceArg(target), amount: request.amount, overage: target.policy.overage, now }, () => Promise.resolve(undefined));
  if (outcome.status === 'replay') throw new AppError(500, 'internal', 'check_replayed', 'a check has no key to replay');
  return { allowed: outcome.allowed, balance: balanceOf(target, outcome.figures) };
}

/** The balance of one metered feature now (rebuilt from the ledger when Redis lost it). */
export async function readBalance(deps: UsageDeps, ref: string, feature: string, now = new Date()): Promise<Balance & { feature: string }> {
  const target = await resolveTarget(deps, ref, feature, now);
  const outcome = await admitOnce(deps, target, { mode: 'peek', allowance: allowanceArg(target), amount: 0, overage: 'allow', now }, () => Promise.resolve(undefined));
  if (outcome.status === 'replay') throw new AppError(500, 'internal', 'peek_replayed', 'a read has no key to replay');
  return balanceOf(target, outcome.figures);
}
