import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, unprocessable } from '../errors.js';
import type { AdmitOutcome, AdmitRequest } from './balance-store.js';
import { rebuildBalance } from './rebuild-balance.js';
import type { UsageDeps, UsageTarget } from './usage-target.js';

/** What an idempotency key already stands for in Postgres: its fingerprint and the answer given. */
export interface StoredAnswer { requestHash: string; answer: unknown }

export type Admitted = Extract<AdmitOutcome, { status: 'ok' }>;

/** How long a retry waits for the first request of its key to finish before answering 409. */
const IN_FLIGHT_WAIT_MS = 5000;

export const idempotencyConflict = () =>
  unprocessable('idempotency_conflict', 'idempotency_key: was used before with a different request body', { param: 'idempotency_key' });

/**
 * Ack policy for an admission whose call failed: Redis may have run it all the same (a master that
 * died before its reply, a command resent after a timeout), counting units no ledger row will hold
 * and leaving a marker on which every retry of the key answers `idempotency_in_flight`. Once Redis
 * answers again, it is taken back (while the marker is still this attempt's), and a retry of the
 * key is then admitted afresh, counted once.
 */
function takeBackLater(deps: UsageDeps, target: UsageTarget, key: string, attempt: string, reservationId?: string): void {
  deps.store.forsake(target.slot, key, attempt, reservationId).catch((error: unknown) => {
    deps.context.logger.warn('an unanswered admission could not be taken back; reconciliation repairs the balance', { error: error instanceof Error ? error.message : String(error) });
  });
}

/**
 * One admission, with its retries folded in: a balance Redis does not hold is rebuilt from the
 * ledger and asked again; a key already admitted returns the stored answer (or waits for the
 * request still writing it); a key reused with another body is a 422.
 */
export async function admitOnce(
  deps: UsageDeps,
  target: UsageTarget,
  request: AdmitRequest,
  stored: () => Promise<StoredAnswer | undefined>,
): Promise<Admitted | { status: 'replay'; answer: unknown }> {
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  const admission = request.mode === 'admit' ? { ...request, attempt: randomUUID() } : request;
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await deps.store.admit(target.slot, admission).catch((error: unknown) => {
      if (admission.attempt) takeBackLater(deps, target, admission.idempotencyKey ?? '', admission.attempt, admission.reservation?.id);
      throw error;
    });
    if (outcome.status === 'ok') return outcome;
    if (outcome.status === 'conflict') throw idempotencyConflict();
    if (outcome.status === 'rebuild') {
      // Two processes that disagree about the period (a renewal being synced) settle within a few rounds.
      if (attempt > 10) throw new AppError(503, 'unavailable', 'balance_unsettled', 'the balance is being rebuilt; retry shortly');
      await rebuildBalance(deps, target, request.now);
      continue;
    }
    const previous = await stored();
    if (previous) {
      if (previous.requestHash !== request.requestHash) throw idempotencyConflict();
      return { status: 'replay', answer: previous.answer };
    }
    if (Date.now() > deadline) throw new AppError(409, 'conflict', 'idempotency_in_flight', 'a request with this idempotency_key is still being processed; retry shortly');
    await sleep(Math.min(50, 5 * (attempt + 1)));
  }
}
