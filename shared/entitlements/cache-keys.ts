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
