/** Redis keys of reconciliation and catch-up (under the service prefix, so one hash slot on Cluster). */
export const reconcileKeys = {
  /** Held by the one reconciliation run in progress; the value is `<run id>/<attempt uuid>`. */
  lock: (prefix: string) => `${prefix}:reconcile:lock`,
  /** Stripe subscription ids a run has listed: survives a crash, so a resumed run still finds `only_locally` drift. */
  seen: (prefix: string, runId: string) => `${prefix}:reconcile:${runId}:seen`,
  catchUpLock: (prefix: string) => `${prefix}:events-catch-up:lock`,
};

/** Seen-sets outlive any sensible run, then go. */
export const seenTtlSeconds = 7 * 86_400;
