import type { Redis } from '../redis.js';

/**
 * Redis layout of the entitlement cache. Entries are keyed by the reference an app asks with
 * (Stripe customer id or user id). Each reference has an epoch, bumped on every invalidation, so a
 * reader that started before an invalidation cannot store its stale answer after it.
 */
export const cacheKeys = {
  entry: (prefix: string, ref: string) => `${prefix}:ent:${ref}`,
  epoch: (prefix: string, ref: string) => `${prefix}:ent-epoch:${ref}`,
  channel: (prefix: string) => `${prefix}:ent-invalidate`,
};

/** After a commit that changed what a customer may do: bump epochs, delete entries, tell every api process. */
export async function invalidateEntitlements(redis: Redis, prefix: string, refs: readonly (string | null | undefined)[]): Promise<void> {
  const present = [...new Set(refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0))];
  if (present.length === 0) return;
  const pipeline = redis.multi();
  for (const ref of present) {
    pipeline.incr(cacheKeys.epoch(prefix, ref));
    pipeline.expire(cacheKeys.epoch(prefix, ref), 7 * 86_400);
    pipeline.del(cacheKeys.entry(prefix, ref));
  }
  pipeline.publish(cacheKeys.channel(prefix), JSON.stringify(present));
  await pipeline.exec();
}
