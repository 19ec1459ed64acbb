// The one place the benchmarks read the environment: the services to run against, and what child processes inherit.
const env = process.env;

export const benchEnvironment = {
  databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/billing',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:56379',
};

export const inheritedEnvironment = { PATH: env.PATH, HOME: env.HOME };

/** Extra Node options for the service processes a benchmark starts (e.g. `--cpu-prof` to profile them). */
export const serviceNodeOptions = env.BENCH_NODE_OPTIONS;
