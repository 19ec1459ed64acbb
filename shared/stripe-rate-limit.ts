import type { Redis } from './redis.js';

/**
 * A fixed-window limiter in Redis shared by every worker on every host: at most `perSecond` Stripe
 * calls start in any one second. `acquire` waits (never fails) and returns the seconds it waited.
 */
export function createStripeRateLimiter(redis: Redis, prefix: string, perSecond: number) {
  const script = `
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
    return n`;
  return async function acquire(): Promise<number> {
    const started = Date.now();
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const count = Number(await redis.eval(script, 1, `${prefix}:stripe-rate:${second}`));
      if (count <= perSecond) return (Date.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + Math.floor(Math.random() * 20)));
    }
  };
}
