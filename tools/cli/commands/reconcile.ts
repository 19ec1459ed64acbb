import type { Config } from '../../../shared/infra/config.js';
import { closeContext, createContext, type Context } from '../../../shared/context.js';
import { AppError } from '../../../shared/errors.js';
import type { ReconcileParams } from '../../../shared/reconcile/params.js';
import { requestReconciliation } from '../../../shared/reconcile/request.js';
import { isFinished, loadRun, type ReconciliationRun } from '../../../shared/reconcile/runs.js';
import { waitForRedis } from '../../../shared/infra/redis.js';
import { defineCommand } from '../command.js';
import { printJson } from '../output.js';
import { createProgressPrinter } from '../reconcile-progress.js';
import { UsageError } from '../usage-error.js';

interface ReconcileOptions { customer?: string; since?: string; detach: boolean; json: boolean }

/** `checked 3, drifted 1 (missing_subscription 1), repaired 1, errors 0`: no `{}` when nothing drifted. */
export function describeRun(run: Pick<ReconciliationRun, 'checked' | 'drifted' | 'drift' | 'repaired' | 'errors'>): string {
  const kinds = Object.entries(run.drift ?? {}).filter(([, n]) => Number(n) > 0).map(([kind, n]) => `${kind} ${String(n)}`);
  return `checked ${run.checked}, drifted ${run.drifted}${kinds.length ? ` (${kinds.join(', ')})` : ''}, repaired ${run.repaired}, errors ${run.errors}`;
}

/** Stripe's list has no total: the mirror's count of the run's scope stands in for it. */
async function estimateTotal(context: Context, params: ReconcileParams): Promise<number> {
  const query = context.db('subscriptions');
  if (params.customer) void query.where({ stripe_customer_id: params.customer });
  if (params.since) void query.where('stripe_created', '>=', new Date(params.since));
  const row = await query.count<{ n: string | number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

async function follow(context: Context, id: string, total: number, quiet: boolean): Promise<ReconciliationRun> {
  const printer = createProgressPrinter(quiet ? { write: () => true } : process.stdout, total);
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
export async function reconcile(config: Config, values: ReconcileOptions): Promise<void> {
  const context = createContext(config, { role: 'cli', redisRole: 'producer', silentLogs: true });
  try {
    if (!(await waitForRedis(context.redis, 5000))) throw new Error('Redis is not reachable');
    const { id } = await requestReconciliation(context, { trigger: 'cli', params: { customer: values.customer, since: values.since } }).catch((error: unknown) => {
      if (error instanceof AppError && error.status < 500) throw new UsageError(`reconcile: ${error.message} (see --help)`);
      throw error;
    });
    const run = await loadRun(context.db, id);
    const scope = Object.entries(run?.params ?? {}).filter(([, value]) => value !== undefined).map(([name, value]) => `${name} ${String(value)}`);
    if (!values.json) process.stdout.write(`reconciliation run ${id} queued (${scope.length ? scope.join(', ') : 'every customer'})\n`);
    if (values.detach) {
      if (values.json) printJson(run, process.stdout);
      return;
    }
    const finished = await follow(context, id, await estimateTotal(context, run?.params ?? {}), values.json);
    const seconds = (finished.duration_ms ?? 0) / 1000;
    if (values.json) printJson(finished, process.stdout);
    else process.stdout.write(`run ${id} ${finished.status} in ${seconds.toFixed(1)}s: ${describeRun(finished)}\n`);
    if (finished.status === 'failed') throw new Error(`run ${id} failed: ${finished.error ?? 'unknown error'}`);
  } finally {
    await closeContext(context);
  }
}

export const reconcileCommand = defineCommand({
  name: 'reconcile',
  summary: 'Repairs drift between Stripe and the mirror (a worker runs it; progress is shown).',
  help: `Queues a run for the workers and follows it to its end; exits 1 when the run fails.

  --customer REF          one customer (cus_… or the app's user id)
  --since DATE            only subscriptions created since DATE (ISO 8601)
  --detach                queue the run and return at once
  --json                  print the finished run as JSON (no progress lines)`,
  options: { customer: { type: 'string' }, since: { type: 'string' }, detach: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  run: ({ values }, cli) => reconcile(cli.config(), values),
});
