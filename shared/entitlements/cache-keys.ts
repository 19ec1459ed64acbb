import type { Redis } from '../redis.js';

/** REDIS_PREFIX without its braces: the start of keys that carry a hash tag of their own. */
export const keyspace = (prefix: string) => prefix.replace(/[{}]/g, '');

/**
 * A customer's hash tag. Every key about one customer carries it (and nothing else in braces), so
 * its keys share a cluster slot (a script may touch them together) while customers spread over
 * the masters of a Redis Cluster.
 */
export const customerTag = (ref: string) => `{cust:${ref}}`;

/**
 * Redis layout of the entitlement cache. Entries are keyed by the reference an app asks with
 * (Stripe customer id or user id). Each reference has an epoch, bumped on every invalidation, so a
 * reader that started before an invalidation cannot store its stale answer after it. Entry and
 * epoch share the reference's hash tag: one slot, one script.
 */
export const cacheKeys = {
  entry: (prefix: string, ref: string) => `${keyspace(prefix)}:ent:${customerTag(ref)}`,
  epoch: (prefix: string, ref: string) => `${keyspace(prefix)}:ent-epoch:${customerTag(ref)}`,
  channel: (prefix: string) => `${prefix}:ent-invalidate`,
};

/**
 * After a commit that changed what a customer may do: bump epochs, delete entries (one
 * transaction per reference, each in its own slot), then tell every api process.
 */
export async function invalidateEntitlements(redis: Redis, prefix: string, refs: readonly (string | null | undefined)[]): Promise<void> {
  const present = [...new Set(refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0))];
  if (present.length === 0) return;
  await Promise.all(present.map(async (ref) => {
    const results = await redis.multi()
      .incr(cacheKeys.epoch(prefix, ref))
      .expire(cacheKeys.epoch(prefix, ref), 7 * 86_400)
      .del(cacheKeys.entry(prefix, ref))
      .exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }));
  await redis.publish(cacheKeys.channel(prefix), JSON.stringify(present));
}
