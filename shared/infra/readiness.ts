import type { Db } from './db.js';
import { withTimeout } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

/** Up or down only: the reason (host, port, driver message) goes to the log, never to an unauthenticated answer. */
export type CheckResult = 'ok' | 'down';

/** Postgres and Redis reachability, each bounded to 2 s; a failed check logs its reason as a warning when a logger is given. */
export async function checkDependencies(db: Db, redis: Redis, logger?: Logger): Promise<{ ready: boolean; checks: Record<'postgres' | 'redis', CheckResult> }> {
  const run = async (check: () => Promise<unknown>, what: string): Promise<CheckResult> => {
    try {
      await withTimeout(check(), 2000, what);
      return 'ok';
    } catch (error) {
      logger?.warn('readiness check failed', { dependency: what, error });
      return 'down';
    }
  };
  const [postgres, redisState] = await Promise.all([run(() => db.raw('select 1'), 'postgres'), run(() => redis.ping(), 'redis')]);
  return { ready: postgres === 'ok' && redisState === 'ok', checks: { postgres, redis: redisState } };
}
