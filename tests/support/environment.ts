// The one place tests read the environment: the URLs of the services the test command started.
const env = process.env;

export const testEnvironment = {
  databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/billing',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:56379',
  /** Size of the chaos run (tests/chaos): `full` for `npm run test:chaos`, else the short CI profile. */
  chaosProfile: env.CHAOS_PROFILE ?? 'short',
  /** Seed of the chaos run's workload and simulator (ids, drops, duplicates, reordering); a fixed default. */
  chaosSeed: env.CHAOS_SEED,
  /** Set by the test command: every service a test starts logs at debug level into this folder, and the logs are checked for secrets afterwards. */
  logDir: env.TEST_LOG_DIR,
};

/** What a child process needs from this one: the PATH (Node 24 from node_modules) and coverage collection. */
export const inheritedEnvironment = { PATH: env.PATH, HOME: env.HOME, NODE_V8_COVERAGE: env.NODE_V8_COVERAGE };
