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
