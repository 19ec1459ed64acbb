import type { Db } from './db.js';
import { withTimeout } from './lifecycle.js';
import type { Redis } from './redis.js';

export type CheckResult = 'ok' | `down: ${string}`;

/** Postgres and Redis reachability, each bounded to 2 s. */
export async function checkDependencies(db: Db, redis: Redis): Promise<{ ready: boolean; checks: Record<'postgres' | 'redis', CheckResult> }> {
  const run = async (check: () => Promise<unknown>, what: string): Promise<CheckResult> => {
    try {
      await withTimeout(check(), 2000, what);
      return 'ok';
    } catch (error) {
      return `down: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const [postgres, redisState] = await Promise.all([run(() => db.raw('select 1'), 'postgres'), run(() => redis.ping(), 'redis')]);
  return { ready: postgres === 'ok' && redisState === 'ok', checks: { postgres, redis: redisState } };
}
