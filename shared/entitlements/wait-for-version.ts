import type { EntitlementCache } from './cache.js';
import type { PreparedView } from './read.js';

/** Longest wait a read may ask for. */
export const maxWaitMs = 5000;

export interface VersionedRead { prepared: PreparedView; timedOut: boolean }

/** Resolves true at the next invalidation of `ref`, false after `ms`; `cancel` drops the listener. */
function nextInvalidation(cache: EntitlementCache, ref: string, ms: number): { seen: Promise<boolean>; cancel: () => void } {
  let cancel = () => undefined as void;
  const seen = new Promise<boolean>((resolve) => {
    const onInvalidated = (refs: string[]) => { if (refs.includes(ref)) finish(true); };
    const timer = setTimeout(() => finish(false), ms);
    function finish(value: boolean) {
      clearTimeout(timer);
      cache.off('invalidated', onInvalidated);
      resolve(value);
    }
    cache.on('invalidated', onInvalidated);
    cancel = () => finish(false);
  });
  return { seen, cancel };
}

/**
 * Read-your-writes: the customer's entitlements once their version is at least `minVersion`, or
 * what there is when `waitMs` has passed (`timedOut`). Never polls Postgres: each re-read follows an
 * invalidation of this reference, delivered by the cache's pub/sub subscriber; the listener is in
 * place before each read, so an invalidation between the read and the wait is not missed. Without
 * a subscriber (Redis trouble) the one re-read happens at the deadline.
 */
export async function readAtLeast(cache: EntitlementCache, ref: string, minVersion: number, waitMs: number, now = Date.now): Promise<VersionedRead> {
  const deadline = now() + Math.min(waitMs, maxWaitMs);
  for (;;) {
    const remaining = deadline - now();
    const next = remaining > 0 ? nextInvalidation(cache, ref, remaining) : undefined;
    const prepared = await cache.get(ref);
    if (prepared.view.version >= minVersion || !next) {
      next?.cancel();
      return { prepared, timedOut: prepared.view.version < minVersion };
    }
    const invalidated = await next.seen;
    if (!invalidated) {
      const last = await cache.get(ref);
      return { prepared: last, timedOut: last.view.version < minVersion };
    }
  }
}
