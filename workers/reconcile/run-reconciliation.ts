import { randomUUID } from 'node:crypto';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import { reconcileParams, type ReconcileParams } from '../../shared/reconcile/params.js';
import { loadRun, type ReconciliationRun } from '../../shared/reconcile/runs.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import { comparePage, type Drift } from './compare-page.js';
import { reconcileKeys, seenTtlSeconds } from './keys.js';
import { findBalanceDrift } from './balance-drift.js';
import { findMeterDrift } from './meter-drift.js';
import { findOnlyLocally, stillOnlyLocally } from './only-locally.js';
import { findPaymentDrift } from './payment-drift.js';
import { acquireLock, type HeldLock } from './redis-lock.js';
import { createRepairer, type Repairer } from './repair-customers.js';
import { repairUntilDone } from './repair-until-done.js';
import { addTotals, emptyTotals, saveProgress, type Totals } from './totals.js';

export type RunOutcome =
  | ({ status: 'succeeded' | 'failed' } & Totals)
  | { status: 'skipped'; heldBy: string | null }
  | { status: 'already-finished' };

/** Thrown between pages when the lock's heartbeat found it taken: transient, the job retries and resumes. */
export class LockLostError extends Error {
  override name = 'LockLostError';
}

/**
 * The account-wide list, every status. The latest invoice is not expanded: an expanded invoice
 * doubles each page (its lines and totals), and what of it decides access — whether its payment
 * was refunded — is not on the invoice anyway. A new latest invoice still shows as a changed id;
 * a status change of the same invoice reaches the mirror through its `invoice.*` event (or the
 * catch-up), or with the next repair of that customer.
 */
function listParams(params: ReconcileParams): Stripe.SubscriptionListParams {
  return {
    status: 'all',
    limit: 100,
    ...(params.customer && { customer: params.customer }),
    ...(params.since && { created: { gte: Math.floor(new Date(params.since).getTime() / 1000) } }),
  };
}

/** Counts drift and repairs the drifted customers; resolves to what that adds to the run's totals. */
async function settle(context: Context, runId: string, drifts: readonly Drift[], repairer: Repairer, startedAt: Date): Promise<Totals> {
  const delta = emptyTotals();
  if (drifts.length === 0) return delta;
  for (const drift of drifts) {
    delta.drift[drift.kind] = (delta.drift[drift.kind] ?? 0) + 1;
    context.metrics.reconciliationDrift.inc({ kind: drift.kind, outcome: 'found' });
    context.logger.info('reconciliation found drift', { runId, ...drift });
  }
  delta.drifted = drifts.length;
  const outcomes = await repairer.repair(drifts.map((drift) => drift.stripeCustomerId));
  const orphans = await stillOnlyLocally(context, drifts.filter((drift) => drift.kind === 'only_locally').map((drift) => drift.subscriptionId), startedAt);
  for (const drift of drifts) {
    const outcome = outcomes.get(drift.stripeCustomerId);
    if (outcome === 'retry') {
      // Not repaired yet: the run keeps trying (repairUntilDone), and says so meanwhile.
      delta.unrepaired[drift.stripeCustomerId] = (delta.unrepaired[drift.stripeCustomerId] ?? 0) + 1;
    } else if (outcome !== 'repaired') {
      delta.errors += 1;
    } else if (orphans.has(drift.subscriptionId)) {
      // Its customer's current state at Stripe does not name it: kept (never deleted), reported.
      context.logger.warn('Stripe no longer lists a subscription the mirror holds as unfinished; kept, needs a look', { runId, subscriptionId: drift.subscriptionId });
    } else {
      delta.repaired += 1;
      context.metrics.reconciliationDrift.inc({ kind: drift.kind, outcome: 'repaired' });
    }
  }
  return delta;
}

/** Pages whose repairs may still be running while later pages are compared. */
const pagesInFlight = 3;

interface PageResult { last: string; delta: Totals }

/**
 * Pages through Stripe's subscriptions from the run's cursor (a resumed run skips the pages it
 * finished) and compares each page with the mirror; drifted customers are repaired while the next
 * pages are fetched and compared. Pages are committed in order — counts, then the cursor (the
 * page's last subscription) — once their repairs are done, so a crash never skips a repair.
 */
async function pass(context: Context, run: ReconciliationRun, params: ReconcileParams, lock: HeldLock, totals: Totals, startedAt: Date, repair: Repairer): Promise<void> {
  const seenKey = reconcileKeys.seen(context.config.REDIS_PREFIX, run.id);
  const fetchPage = (startingAfter: string | null) => {
    const fetchedAt = new Date();
    const page = context.stripe.subscriptions.list({ ...listParams(params), ...(startingAfter && { starting_after: startingAfter }) }).then((list) => ({ list, fetchedAt }));
    page.catch(() => undefined); // awaited below; never an unhandled rejection while the previous page is compared
    return page;
  };
  const pending: Promise<PageResult>[] = [];
  const lostLock = () => new LockLostError(`run ${run.id} lost the reconciliation lock`);
  const commit = async () => {
    const { last, delta } = await pending.shift()!;
    // Another attempt of this run holds the lock now and owns its progress: write nothing more.
    if (lock.lost()) throw lostLock();
    addTotals(totals, delta);
    await saveProgress(context, run.id, totals, last);
  };
  try {
    let next = fetchPage(run.cursor);
    for (;;) {
      const { list, fetchedAt } = await next;
      if (lock.lost()) throw lostLock();
      const last = list.data.at(-1)?.id;
      if (!last) break;
      if (list.has_more) next = fetchPage(last);
      await context.redis.multi().sadd(seenKey, ...list.data.map((sub) => sub.id)).expire(seenKey, seenTtlSeconds).exec();
      const drifts = await comparePage(context.db, list.data, fetchedAt);
      const result = settle(context, run.id, drifts, repair, startedAt).then((delta) => ({ last, delta: { ...delta, checked: list.data.length } }));
      result.catch(() => undefined); // committed (awaited) in order below
      pending.push(result);
      while (pending.length > pagesInFlight) await commit();
      if (!list.has_more) break;
    }
    while (pending.length > 0) await commit();
  } catch (error) {
    // Keep what finished, in order, so the retry resumes after it; never leave repairs running unowned.
    await Promise.allSettled(pending);
    while (pending.length > 0) await commit().catch(() => { pending.length = 0; });
    throw error;
  }
  for await (const drifts of findOnlyLocally(context, run.id, params, startedAt)) {
    if (lock.lost()) throw lostLock();
    addTotals(totals, await settle(context, run.id, drifts, repair, startedAt));
    await saveProgress(context, run.id, totals);
  }
  for await (const drifts of findPaymentDrift(context, params)) {
    if (lock.lost()) throw lostLock();
    addTotals(totals, await settle(context, run.id, drifts, repair, startedAt));
    await saveProgress(context, run.id, totals);
  }
  // Usage last: balances against the ledger, then the ledger against Stripe's meters. A retried run does both again (each is idempotent).
  for (const step of [findBalanceDrift, findMeterDrift]) {
    if (lock.lost()) throw lostLock();
    const delta = await step(context, params, run.id);
    if (lock.lost()) throw lostLock();
    addTotals(totals, delta);
    await saveProgress(context, run.id, totals);
  }
}

/**
 * Runs (or resumes) one reconciliation run. Only one run at a time across every worker: a run
 * that finds the lock held ends `failed` with an error naming the holder. Never deletes local data.
 */
export async function runReconciliation(context: Context, runId: string): Promise<RunOutcome> {
  const run = await loadRun(context.db, runId);
  if (!run) throw new PermanentError(`reconciliation run ${runId} does not exist`, 'run_missing');
  if (run.status === 'succeeded') return { status: 'already-finished' };
  const parsed = reconcileParams.safeParse(run.params);
  if (!parsed.success) throw new PermanentError(`reconciliation run ${runId} has invalid params: ${parsed.error.message}`, 'invalid_params');
  // The owner is this attempt; a later attempt of the same run takes the lock over (see acquireLock).
  const attempt = await acquireLock(context.redis, reconcileKeys.lock(context.config.REDIS_PREFIX), `${runId}/${randomUUID()}`, { takeOverFrom: `${runId}/` });
  if (!attempt.acquired) {
    const heldBy = attempt.holder?.split('/')[0] ?? null;
    await context.db('reconciliation_runs').where({ id: runId }).update({
      status: 'failed', finished_at: context.db.fn.now(), duration_ms: 0,
      error: `skipped: reconciliation run ${heldBy ?? '(unknown)'} holds the lock; only one run at a time`,
    });
    context.logger.warn('reconciliation skipped: another run holds the lock', { runId, heldBy });
    return { status: 'skipped', heldBy };
  }
  try {
    const [{ started_at: startedAt }] = await context.db('reconciliation_runs').where({ id: runId })
      .update({ status: 'running', started_at: context.db.raw('coalesce(started_at, now())'), error: null, finished_at: null })
      .returning<{ started_at: Date }[]>('started_at');
    context.logger.info(run.cursor ? 'reconciliation resumed' : 'reconciliation started', { runId, params: parsed.data, cursor: run.cursor });
    const totals: Totals = { checked: run.checked, drifted: run.drifted, repaired: run.repaired, errors: run.errors, drift: { ...run.drift }, unrepaired: { ...run.unrepaired } };
    const repairer = createRepairer(context, run.id);
    await pass(context, run, parsed.data, attempt.lock, totals, startedAt, repairer);
    const unrepaired = await repairUntilDone(context, runId, totals, repairer, { startedAt, lockLost: () => attempt.lock.lost() });
    if (attempt.lock.lost()) throw new LockLostError(`run ${run.id} lost the reconciliation lock`);
    const finishedAt = new Date();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    // Succeeded means every drift found was repaired: drift left behind is a failure, and says what.
    const error = unrepaired > 0 ? `${unrepaired} drifted customers were still failing transiently when the retry horizon ended; run again`
      : totals.errors > 0 ? `${totals.errors} drifts could not be repaired (permanent errors; see the logs)` : null;
    const status = error ? 'failed' : 'succeeded';
    await context.db('reconciliation_runs').where({ id: runId })
      .update({ status, finished_at: finishedAt, duration_ms: durationMs, error });
    context.metrics.reconciliationRunDuration.observe(durationMs / 1000);
    if (status === 'succeeded') context.metrics.reconciliationLastSuccess.set(finishedAt.getTime() / 1000);
    await context.redis.del(reconcileKeys.seen(context.config.REDIS_PREFIX, runId));
    context.logger.info(`reconciliation ${status}`, { runId, ...totals, unrepaired });
    return { status, ...totals };
  } finally {
    await attempt.lock.release();
  }
}
