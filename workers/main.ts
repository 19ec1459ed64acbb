import type { Server } from 'node:http';
import { exitOnConfigError, loadConfigOrExit, type Config } from '../shared/infra/config.js';
import { closeContext, createContext, type Context } from '../shared/context.js';
import { isMainModule, runProcess, signalReadyWhen } from '../shared/infra/lifecycle.js';
import { startMetricsServer } from '../shared/infra/metrics-server.js';
import { closeMeterEventsClient } from '../shared/meters/meter-events-client.js';
import { checkDependencies } from '../shared/infra/readiness.js';
import { startHousekeeping } from './housekeeping.js';
import { scheduleMaintenance } from './processors/maintenance.js';
import { scheduleReconciliation } from './processors/reconcile-schedule.js';
import { processorTable } from './processors/queue-processors.js';
import { drainWorkers } from './drain.js';
import { startWorkers, type RunningWorker } from './runner.js';

export interface WorkerProcess { context: Context; workers: RunningWorker[]; metricsServer: Server | undefined; stop: () => Promise<void> }

/** Starts one worker process: every queue's worker, the schedulers, and the metrics server. */
export async function start(config: Config, options: { silentLogs?: boolean; metricsPort?: number } = {}): Promise<WorkerProcess> {
  const context = createContext(config, { role: 'worker', redisRole: 'worker', silentLogs: options.silentLogs ?? false });
  const workers = startWorkers(context, processorTable());
  await scheduleMaintenance(context);
  await scheduleReconciliation(context);
  const stopHousekeeping = startHousekeeping(context, { relayEveryMs: config.RELAY_INTERVAL_MS, relayOlderThanSeconds: config.RELAY_AFTER_SECONDS });
  const port = options.metricsPort ?? config.METRICS_PORT;
  const metricsServer = port > 0 || options.metricsPort === 0 ? await startMetricsServer(context, port) : undefined;
  context.logger.info('worker started', { queues: workers.map(({ worker }) => worker.name), concurrency: config.WORKER_CONCURRENCY });
  const stop = async () => {
    // Stop taking jobs and let the active ones finish; those still running shortly before the hard
    // timeout are released to another worker (see drainWorkers).
    const timeout = config.SHUTDOWN_TIMEOUT_MS;
    stopHousekeeping();
    await drainWorkers(workers, Date.now() + Math.max(timeout / 2, timeout - 1000));
    if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    closeMeterEventsClient(context);
    await closeContext(context);
  };
  return { context, workers, metricsServer, stop };
}

if (isMainModule(import.meta.url)) {
  const config = loadConfigOrExit();
  const worker = await start(config).catch(exitOnConfigError);
  runProcess('worker', worker.context.logger, worker.stop, config.SHUTDOWN_TIMEOUT_MS);
  // Ready for PM2 (`wait_ready`) once every queue's worker is connected and Postgres answers.
  await signalReadyWhen(async () => {
    await Promise.all(worker.workers.map(({ worker: queueWorker }) => queueWorker.waitUntilReady()));
    return (await checkDependencies(worker.context.db, worker.context.redis)).ready;
  }, worker.context.logger);
}
