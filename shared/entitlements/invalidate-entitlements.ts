import type { Config } from '../infra/config.js';
import type { Redis } from '../infra/redis.js';
import { cacheKeys } from './cache-keys.js';

/**
 * Bumps a reference's epoch and deletes its entry (both in the reference's slot). The epoch is the
 * time of the invalidation in ms (or one more than the last epoch, whichever is larger): it still
 * changes on every invalidation, and it tells a reader whether a read replica can already see the
 * commit behind it (see EntitlementCache).
 */
const bumpEpoch = `
local epoch = math.max((tonumber(redis.call('GET', KEYS[1]) or '0') or 0) + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%d', epoch), 'EX', tonumber(ARGV[2]))
redis.call('DEL', KEYS[2])
return 1`;

/**
 * After a commit that changed what a customer may do: bump each reference's epoch (kept
 * `ENTITLEMENT_EPOCH_TTL_SECONDS`, so a reader that started before cannot store its stale answer),
 * delete the cached entries (one script per reference, each in its own cluster slot), and tell
 * every api process to drop its in-process copy.
 */
export async function invalidateEntitlements(redis: Redis, config: Pick<Config, 'REDIS_PREFIX' | 'ENTITLEMENT_EPOCH_TTL_SECONDS'>, refs: readonly (string | null | undefined)[], now = Date.now()): Promise<void> {
  const present = [...new Set(refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0))];
  if (present.length === 0) return;
  const prefix = config.REDIS_PREFIX;
  await Promise.all(present.map((ref) => redis.eval(bumpEpoch, 2, cacheKeys.epoch(prefix, ref), cacheKeys.entry(prefix, ref), now, config.ENTITLEMENT_EPOCH_TTL_SECONDS)));
  await redis.publish(cacheKeys.channel(prefix), JSON.stringify(present));
}
