import path from 'node:path';
import { freePort, projectRoot, startChild, waitForHttp } from './processes.js';
import { webhookSecret } from './signed-events.js';
import { startSimulator } from './simulator.js';

type Child = ReturnType<typeof startChild>;

/**
 * The Stripe simulator, one compiled api and one worker process on a bench database and Redis
 * prefix, the api verifying events signed by `signedEvent`; resolves once all are ready. Every
 * process started is pushed to `children` as it starts, so the caller stops them even if one fails.
 */
export async function startWebhookServices(databaseUrl: string, redisUrl: string, prefix: string, children: Child['child'][]) {
  const sim = await startSimulator();
  children.push(sim.child);
  const env = {
    NODE_ENV: 'production', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: sim.url, RECONCILE_SCHEDULES: 'false',
    // The simulator is local: the shared rate limit must not be what a figure measures.
    STRIPE_RATE_LIMIT_PER_SECOND: '1000', CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'),
  };
  const apiPort = await freePort();
  const api = startChild('api/main.ts', [], { ...env, PORT: String(apiPort), METRICS_PORT: '0' });
  children.push(api.child);
  const workerPort = await freePort();
  const worker = startChild('workers/main.ts', [], { ...env, METRICS_PORT: String(workerPort) });
  children.push(worker.child);
  await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output, 60_000);
  await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`, 200, worker.output, 60_000);
  return { sim, api, worker, apiPort };
}
