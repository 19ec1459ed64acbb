import { randomBytes } from 'node:crypto';
import path from 'node:path';
import knex from 'knex';
import { parseConfig } from '../../shared/infra/config.js';
import { closeContext, createContext } from '../../shared/context.js';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { driftKinds, isFinished, loadRun, type DriftCounts, type ReconciliationRun } from '../../shared/reconcile/runs.js';
import { createEventLog } from '../stripe-sim/events.js';
import { createIds } from '../stripe-sim/ids.js';
import { createRandom } from '../stripe-sim/random.js';
import { createSimulator } from '../stripe-sim/server.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { cpuMs, freePort, projectRoot, startChild, stopChild, waitForHttp } from './support/processes.js';
import { buildBenchAccount, writeBenchMirror } from './support/reconcile-account.js';
import { deleteKeys } from './support/redis-keys.js';

/**
 * A reconciliation run over 100,000 subscriptions served by the local Stripe simulator
 * (tools/stripe-sim, in this process), against a mirror with drift of every kind (see
 * support/reconcile-account.ts), done by a real worker process. The time runs from the request
 * (as the admin API or the CLI makes it) to the run row reading `succeeded`.
 *
 * The shared Stripe rate limit is set to 1,000 calls/s so that it never binds and the figure
 * measures the service and the simulator. Against Stripe itself the run takes at least
 * `stripeCalls / limit` seconds: the result prints that floor for Stripe's limits. CPU seconds
 * are reported per process, so a slow figure can be told apart: the simulator answers every
 * list call (a page, or one customer's subscriptions during a repair) by filtering its whole
 * store, which grows with the account.
 */

export const reconcileTargets = { subscriptions: 100_000, seconds: 60 };

export interface ReconcileBenchmarkResult {
  subscriptions: number;
  seconds: number;
  perSecond: number;
  drift: DriftCounts;
  expectedDrift: DriftCounts;
  repaired: number;
  errors: number;
  /** Stripe calls the worker made (its `stripe_api_calls_total`). */
  stripeCalls: number;
  /** CPU seconds (user + system) of the worker process and of the simulator (this process) during the run. */
  cpuSeconds: { worker: number; simulator: number };
  /** Seconds spent seeding the simulator and the mirror (not measured). */
  setupSeconds: number;
  targets: typeof reconcileTargets;
  met: boolean;
}

const rateLimitPerSecond = 1000;

/** Sums a counter's samples in a Prometheus text exposition. */
function counterSum(text: string, name: string): number {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function waitForRun(db: knex.Knex, id: string): Promise<ReconciliationRun> {
  for (;;) {
    const run = await loadRun(db, id);
    if (!run) throw new Error(`reconciliation run ${id} vanished`);
    if (isFinished(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runReconcileBenchmark(subscriptions = reconcileTargets.subscriptions): Promise<ReconcileBenchmarkResult> {
  const setupStarted = performance.now();
  const day = 86_400;
  const now = Math.floor(Date.now() / 1000);
  const sim = await createSimulator({ seed: path.join(projectRoot, 'tools/stripe-sim/seed.json'), clockStart: now - 60 * day });
  const database = await createBenchDatabase();
  const prefix = `{bench-${randomBytes(4).toString('hex')}}`;
  let worker: ReturnType<typeof startChild> | undefined;
  try {
    const ids = createIds(createRandom(20_261_124));
    const account = buildBenchAccount({
      store: sim.state, clock: sim.clock, ids, random: createRandom(7), events: createEventLog(sim.state, sim.clock, ids), baseUrl: () => sim.url,
    }, subscriptions, now - 60 * day);
    const env = {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix,
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench', STRIPE_API_BASE: sim.url,
      STRIPE_RATE_LIMIT_PER_SECOND: String(rateLimitPerSecond), RECONCILE_SCHEDULES: 'false', LOG_LEVEL: 'warn',
      CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'), METRICS_PORT: String(await freePort()),
    };
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    try {
      await writeBenchMirror(db, account);
    } finally {
      await db.destroy();
    }
    worker = startChild('workers/main.ts', [], env);
    await waitForHttp(`http://127.0.0.1:${env.METRICS_PORT}/readyz`, 200, worker.output, 60_000);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const context = createContext(parseConfig(env), { role: 'cli', redisRole: 'producer', silentLogs: true });
    try {
      const started = performance.now();
      const [workerCpu, simCpu] = [await cpuMs(worker.child.pid), process.cpuUsage()];
      const { id } = await requestReconciliation(context, { trigger: 'bench' });
      const run = await waitForRun(context.db, id);
      const seconds = (performance.now() - started) / 1000;
      const simUsage = process.cpuUsage(simCpu);
      const cpuSeconds = { worker: ((await cpuMs(worker.child.pid)) - workerCpu) / 1000, simulator: (simUsage.user + simUsage.system) / 1e6 };
      if (run.status !== 'succeeded') throw new Error(`the benchmark run failed: ${run.error ?? ''}\n${worker.output()}`);
      const metrics = await (await fetch(`http://127.0.0.1:${env.METRICS_PORT}/metrics`)).text();
      const expectedDrift = Object.fromEntries(driftKinds.filter((kind) => account.expected[kind] > 0).map((kind) => [kind, account.expected[kind]]));
      if (driftKinds.some((kind) => (run.drift[kind] ?? 0) !== account.expected[kind])) {
        throw new Error(`the run found drift ${JSON.stringify(run.drift)}, the account has ${JSON.stringify(expectedDrift)}`);
      }
      return {
        subscriptions: run.checked, seconds, perSecond: run.checked / seconds, drift: run.drift, expectedDrift, repaired: run.repaired, errors: run.errors,
        stripeCalls: counterSum(metrics, 'stripe_api_calls_total'), cpuSeconds, setupSeconds, targets: reconcileTargets,
        met: run.checked >= reconcileTargets.subscriptions && seconds <= reconcileTargets.seconds,
      };
    } finally {
      await stopChild(worker.child);
      worker = undefined;
      await deleteKeys(context.redis, prefix);
      await closeContext(context);
    }
  } finally {
    if (worker) await stopChild(worker.child);
    await sim.close();
    await database.drop();
  }
}

export function formatReconcileResult(result: ReconcileBenchmarkResult): string {
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  const floor = (limit: number) => `${n(result.stripeCalls / limit)} s at ${limit}/s`;
  return [
    `reconcile: ${n(result.subscriptions)} subscriptions from the Stripe simulator in ${result.seconds.toFixed(1)} s = ${n(result.perSecond)}/s ` +
      `(target: ${n(result.targets.subscriptions)} in ≤ ${result.targets.seconds} s: ${result.met ? 'met' : 'MISSED'})`,
    `  drift ${JSON.stringify(result.drift)} (seeded ${JSON.stringify(result.expectedDrift)}), repaired ${n(result.repaired)}, errors ${n(result.errors)}`,
    `  CPU: worker ${result.cpuSeconds.worker.toFixed(1)} s, simulator (and this process) ${result.cpuSeconds.simulator.toFixed(1)} s`,
    `  ${n(result.stripeCalls)} Stripe calls; Stripe's rate limit alone would take ${floor(25)} (test mode), ${floor(100)} (live mode); setup ${result.setupSeconds.toFixed(1)} s`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  // An optional argument runs a smaller account, e.g. `tsx tools/bench/reconcile.ts 10000`.
  const result = await runReconcileBenchmark(process.argv[2] ? Number(process.argv[2]) : undefined);
  process.stdout.write(`${formatReconcileResult(result)}\n`);
}
