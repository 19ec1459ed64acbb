import type { Server } from 'node:http';
import { exitOnConfigError, loadConfigOrExit, type Config } from '../shared/infra/config.js';
import { closeContext, createContext, type Context } from '../shared/context.js';
import { EntitlementCache } from '../shared/entitlements/cache.js';
import { isMainModule, runProcess, signalReadyWhen } from '../shared/infra/lifecycle.js';
import { ChangeFeed } from '../shared/notify/change-feed.js';
import { startMetricsServer } from '../shared/infra/metrics-server.js';
import { checkDependencies } from '../shared/infra/readiness.js';
import { waitForRedis } from '../shared/infra/redis.js';
import { createApp } from './app.js';
import { GracefulClose } from './graceful-close.js';
import { listen, portOf } from './server.js';

export interface ApiProcess {
  context: Context; server: Server; port: number; entitlements: EntitlementCache; graceful: GracefulClose;
  /** True once Postgres and Redis answer and the cache's invalidation subscription is live. */
  ready: () => Promise<boolean>;
  stop: () => Promise<void>;
}

/** Starts the api: context, app, listening socket. */
export async function start(config: Config, options: { silentLogs?: boolean } = {}): Promise<ApiProcess> {
  const context = createContext(config, { role: 'api', redisRole: 'producer', silentLogs: options.silentLogs ?? false });
  // Redis being down must not stop the api (webhooks still land in Postgres), so this wait is bounded.
  const entitlements = new EntitlementCache(context);
  await Promise.all([waitForRedis(context.redis, 3000), entitlements.start(3000), context.replicas?.start()]);
  const feed = new ChangeFeed(context);
  const server = await listen(createApp(context, { entitlements, feed, isDraining: () => graceful.draining }), config.PORT);
  const graceful = new GracefulClose(server);
  const port = portOf(server);
  // Under PM2 cluster mode a scrape of PORT reaches one instance at random: each instance also
  // answers on its own port (API_METRICS_PORT + its index) so Prometheus can scrape every one.
  const metricsServer = config.API_METRICS_PORT > 0 ? await startMetricsServer(context, config.API_METRICS_PORT) : undefined;
  context.logger.info('api listening', { port, ...(metricsServer && { metricsPort: config.API_METRICS_PORT }) });
  const ready = async () => entitlements.subscribed && (await checkDependencies(context.db, context.redis)).ready;
  let stopping: Promise<void> | undefined;
  const stopOnce = async () => {
    // Readiness first (503 draining), then stop accepting once a balancer had time to notice;
    // connections still open a moment before the hard timeout are cut so the process exits cleanly.
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS - 500;
    graceful.begin();
    if (config.SHUTDOWN_READINESS_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_READINESS_DELAY_MS));
    // Open event streams would hold the server open until the deadline: end them first (clients resume elsewhere).
    await feed.stop();
    await graceful.close(deadline);
    if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    await entitlements.stop();
    await closeContext(context);
  };
  const stop = () => (stopping ??= stopOnce());
  return { context, server, port, entitlements, graceful, ready, stop };
}

if (isMainModule(import.meta.url)) {
  const config = loadConfigOrExit();
  const api = await start(config).catch(exitOnConfigError);
  runProcess('api', api.context.logger, api.stop, config.SHUTDOWN_TIMEOUT_MS);
  // PM2 (`wait_ready`) stops the instance this one replaces only after this.
  await signalReadyWhen(api.ready, api.context.logger);
}
