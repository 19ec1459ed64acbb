import type { Config } from '../config.js';
import type { Redis } from '../redis.js';
import { cacheKeys } from './cache-keys.js';

/**
 * After a commit that changed what a customer may do: bump each reference's epoch (kept
 * `ENTITLEMENT_EPOCH_TTL_SECONDS`, so a reader that started before cannot store its stale answer),
 * delete the cached entries, and tell every api process to drop its in-process copy.
 */
export async function invalidateEntitlements(redis: Redis, config: Pick<Config, 'REDIS_PREFIX' | 'ENTITLEMENT_EPOCH_TTL_SECONDS'>, refs: readonly (string | null | undefined)[]): Promise<void> {
  const present = [...new Set(refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0))];
  if (present.length === 0) return;
  const prefix = config.REDIS_PREFIX;
  const pipeline = redis.multi();
  for (const ref of present) {
    pipeline.incr(cacheKeys.epoch(prefix, ref));
    pipeline.expire(cacheKeys.epoch(prefix, ref), config.ENTITLEMENT_EPOCH_TTL_SECONDS);
    pipeline.del(cacheKeys.entry(prefix, ref));
  }
  pipeline.publish(cacheKeys.channel(prefix), JSON.stringify(present));
  await pipeline.exec();
}
