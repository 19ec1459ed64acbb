import type { Server } from 'node:http';
import { exitOnConfigError, loadConfigOrExit, type Config } from '../shared/config.js';
import { closeContext, createContext, type Context } from '../shared/context.js';
import { EntitlementCache } from '../shared/entitlements/cache.js';
import { isMainModule, runProcess } from '../shared/lifecycle.js';
import { ChangeFeed } from '../shared/notify/change-feed.js';
import { startMetricsServer } from '../shared/metrics-server.js';
import { waitForRedis } from '../shared/redis.js';
import { createApp } from './app.js';
import { closeServer, listen, portOf } from './server.js';

export interface ApiProcess { context: Context; server: Server; port: number; entitlements: EntitlementCache; stop: () => Promise<void> }

/** Starts the api: context, app, listening socket. */
export async function start(config: Config, options: { silentLogs?: boolean } = {}): Promise<ApiProcess> {
  const context = createContext(config, { role: 'api', redisRole: 'producer', silentLogs: options.silentLogs ?? false });
  // Redis being down must not stop the api (webhooks still land in Postgres), so this wait is bounded.
  const entitlements = new EntitlementCache(context);
  await Promise.all([waitForRedis(context.redis, 3000), entitlements.start(3000)]);
  const feed = new ChangeFeed(context);
  const server = await listen(createApp(context, { entitlements, feed }), config.PORT);
  const port = portOf(server);
  // Under PM2 cluster mode a scrape of PORT reaches one instance at random: each instance also
  // answers on its own port (API_METRICS_PORT + its index) so Prometheus can scrape every one.
  const metricsServer = config.API_METRICS_PORT > 0 ? await startMetricsServer(context, config.API_METRICS_PORT) : undefined;
  context.logger.info('api listening', { port, ...(metricsServer && { metricsPort: config.API_METRICS_PORT }) });
  const stop = async () => {
    if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    // Open event streams would hold the server open: end them first (clients resume elsewhere).
    await feed.stop();
    await closeServer(server);
    await entitlements.stop();
    await closeContext(context);
  };
  return { context, server, port, entitlements, stop };
}

if (isMainModule(import.meta.url)) {
  const config = loadConfigOrExit();
  const api = await start(config).catch(exitOnConfigError);
  runProcess('api', api.context.logger, api.stop, config.SHUTDOWN_TIMEOUT_MS);
}
