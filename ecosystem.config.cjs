// CommonJS (.cjs) because PM2 loads process files with require(); the project itself is ESM.
// PM2 process file: the api in cluster mode (one instance per core), workers in fork mode.
// Both run the compiled output (`npm run build`). Each process drains on SIGTERM within
// SHUTDOWN_TIMEOUT_MS (8 s), below kill_timeout (10 s), so PM2 never has to SIGKILL a clean stop.
// Environment (DATABASE_URL, REDIS_URL, STRIPE_*) comes from the shell that runs `pm2 start`.
const workers = Number.parseInt(process.env.WORKER_INSTANCES ?? '2', 10);

// Bounded restarts: a crash restarts after a growing delay (100 ms doubling, capped at 15 s by
// PM2); a process that keeps dying within min_uptime is given up after max_restarts. Exit code 78
// is a configuration error (a bad key, an unreadable catalog): restarting cannot fix it.
const restarts = { min_uptime: 10_000, max_restarts: 10, exp_backoff_restart_delay: 100, stop_exit_codes: [78] };

module.exports = {
  apps: [
    {
      name: 'billing-api',
      ...restarts,
      script: 'dist/api/main.js',
      exec_mode: 'cluster',
      instances: process.env.API_INSTANCES ?? 'max',
      kill_timeout: 10_000,
      // A reload stops an old instance only once its replacement said `ready` (Postgres, Redis and
      // the cache subscription up), or after listen_timeout.
      wait_ready: true,
      listen_timeout: 15_000,
      max_memory_restart: '512M',
      // A scrape of PORT reaches one instance chosen by PM2's balancer, so each instance also
      // serves its own /metrics on API_METRICS_PORT + instance index (9454, 9455, ...).
      increment_var: 'API_METRICS_PORT',
      env: { NODE_ENV: 'production', API_METRICS_PORT: Number.parseInt(process.env.API_METRICS_PORT ?? '9454', 10) },
    },
    {
      name: 'billing-worker',
      ...restarts,
      script: 'dist/workers/main.js',
      exec_mode: 'fork',
      instances: workers,
      // Each worker instance needs its own metrics port: METRICS_PORT + instance index.
      increment_var: 'METRICS_PORT',
      kill_timeout: 10_000,
      wait_ready: true,
      listen_timeout: 15_000,
      max_memory_restart: '512M',
      env: { NODE_ENV: 'production', METRICS_PORT: Number.parseInt(process.env.METRICS_PORT ?? '9464', 10) },
    },
  ],
};
