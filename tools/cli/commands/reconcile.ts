import { parseArgs } from 'node:util';
import type { Config } from '../../../shared/config.js';
import { closeContext, createContext, type Context } from '../../../shared/context.js';
import { AppError } from '../../../shared/errors.js';
import type { ReconcileParams } from '../../../shared/reconcile/params.js';
import { requestReconciliation } from '../../../shared/reconcile/request.js';
import { isFinished, loadRun, type ReconciliationRun } from '../../../shared/reconcile/runs.js';
import { waitForRedis } from '../../../shared/redis.js';
import { createProgressPrinter } from '../reconcile-progress.js';
import { UsageError } from '../usage-error.js';

const usage = 'usage: reconcile [--customer cus_…|USER_ID] [--since DATE] [--detach]';

/** Stripe's list has no total: the mirror's count of the run's scope stands in for it. */
async function estimateTotal(context: Context, params: ReconcileParams): Promise<number> {
  const query = context.db('subscriptions');
  if (params.customer) void query.where({ stripe_customer_id: params.customer });
  if (params.since) void query.where('stripe_created', '>=', new Date(params.since));
  const row = await query.count<{ n: string | number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

async function follow(context: Context, id: string, total: number): Promise<ReconciliationRun> {
  const printer = createProgressPrinter(process.stdout, total);
  for (;;) {
    const run = await loadRun(context.db, id);
    if (!run) throw new Error(`run ${id} disappeared`);
    printer.update(run);
    if (isFinished(run)) {
      printer.end();
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, process.stdout.isTTY ? 250 : 500));
  }
}

/**
 * `reconcile`: creates a run (queued) for the workers and follows it to the end, printing progress;
 * exits non-zero when the run fails (including when another run holds the lock).
 */
export async function reconcile(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { customer: { type: 'string' }, since: { type: 'string' }, detach: { type: 'boolean', default: false } } });
  if (positionals.length > 0) throw new UsageError(usage);
  const context = createContext(config, { role: 'cli', redisRole: 'producer', silentLogs: true });
  try {
    if (!(await waitForRedis(context.redis, 5000))) throw new Error('Redis is not reachable');
    const { id } = await requestReconciliation(context, { trigger: 'cli', params: { customer: values.customer, since: values.since } }).catch((error: unknown) => {
      if (error instanceof AppError && error.status < 500) throw new UsageError(`${error.message}\n${usage}`);
      throw error;
    });
    const run = await loadRun(context.db, id);
    process.stdout.write(`reconciliation run ${id} queued (${JSON.stringify(run?.params ?? {})})\n`);
    if (values.detach) return;
    const finished = await follow(context, id, await estimateTotal(context, run?.params ?? {}));
    const seconds = (finished.duration_ms ?? 0) / 1000;
    process.stdout.write(`run ${id} ${finished.status} in ${seconds.toFixed(1)}s: checked ${finished.checked}, drifted ${finished.drifted} ${JSON.stringify(finished.drift)}, repaired ${finished.repaired}, errors ${finished.errors}\n`);
    if (finished.status === 'failed') throw new Error(`run ${id} failed: ${finished.error ?? 'unknown error'}`);
  } finally {
    await closeContext(context);
  }
}
