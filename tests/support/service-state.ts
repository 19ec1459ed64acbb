import type { Context } from '../../shared/context.js';

/** What a request could have changed: every table's row count and content, every queue's jobs, the Redis keys. */
export interface ServiceState {
  rows: Record<string, number>;
  /** md5 over a table's rows as text, so an update that keeps the count still shows. */
  contents: Record<string, string>;
  jobs: Record<string, Record<string, number>>;
  redisKeys: string[];
}

/**
 * A snapshot of the state of one test's services, for "these requests changed nothing" checks.
 * `ignoreKey` leaves out Redis keys that reads may legitimately write (cache entries).
 */
export async function serviceState(context: Pick<Context, 'db' | 'queues' | 'redis' | 'config'>, options: { ignoreKey?: (key: string) => boolean } = {}): Promise<ServiceState> {
  const { db, queues, redis, config } = context;
  const { rows: tables } = await db.raw<{ rows: { name: string }[] }>(
    `select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'knex\\_%' order by table_name`,
  );
  const rows: Record<string, number> = {};
  const contents: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows: [summary] } = await db.raw<{ rows: { count: string; digest: string }[] }>(
      `select count(*) as count, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ?? t`, [name],
    );
    rows[name] = Number(summary.count);
    contents[name] = summary.digest;
  }
  const jobs: Record<string, Record<string, number>> = {};
  for (const queue of Object.values(queues)) jobs[queue.name] = await queue.getJobCounts();
  const redisKeys = (await redis.keys(`${config.REDIS_PREFIX}*`)).filter((key) => !options.ignoreKey?.(key)).sort();
  return { rows, contents, jobs, redisKeys };
}

/** Jobs in any state, over every queue. */
export function jobTotal(state: ServiceState): number {
  return Object.values(state.jobs).flatMap((counts) => Object.values(counts)).reduce((sum, count) => sum + count, 0);
}

/**
 * Collects `unhandledRejection` and `uncaughtExceptionMonitor` events of this process until
 * `stop()`: the api runs in the test's process, so its stray failures land here.
 */
export function watchProcessFailures(): { failures: () => unknown[]; stop: () => void } {
  const seen: unknown[] = [];
  const onFailure = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onFailure);
  process.on('uncaughtExceptionMonitor', onFailure);
  return {
    failures: () => [...seen],
    stop: () => {
      process.off('unhandledRejection', onFailure);
      process.off('uncaughtExceptionMonitor', onFailure);
    },
  };
}
