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
 * Bumps a reference's epoch and deletes its entry (both in the reference's slot). The epoch is the
 * time of the invalidation in ms (or one more than the last epoch, whichever is larger): it still
 * changes on every invalidation, and it tells a reader whether a read replica can already see the
 * commit behind it (see EntitlementCache).
 */
const bumpEpoch = `
local epoch = math.max((tonumber(redis.call('GET', KEYS[1]) or '0') or 0) + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%d', epoch), 'EX', 604800)
redis.call('DEL', KEYS[2])
return 1`;

/** After a commit that changed what a customer may do: bump epochs, delete entries, then tell every api process. */
export async function invalidateEntitlements(redis: Redis, prefix: string, refs: readonly (string | null | undefined)[], now = Date.now()): Promise<void> {
  const present = [...new Set(refs.filter((ref): ref is string => typeof ref === 'string' && ref.length > 0))];
  if (present.length === 0) return;
  await Promise.all(present.map((ref) => redis.eval(bumpEpoch, 2, cacheKeys.epoch(prefix, ref), cacheKeys.entry(prefix, ref), now)));
  await redis.publish(cacheKeys.channel(prefix), JSON.stringify(present));
}
