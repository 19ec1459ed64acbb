import type { Redis } from './redis.js';

/** Reserves up to ARGV[1] calls in this second's window; returns the window's count after the reservation. */
const reserveScript = `
  local n = redis.call('INCRBY', KEYS[1], ARGV[1])
  if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], 2000) end
  return n`;

/**
 * A fixed-window limiter in Redis shared by every worker on every host: at most `perSecond` Stripe
 * calls start in any one second. A process reserves calls for the current second in batches
 * (`batch`, by default a twentieth of the limit and at least one) and spends them without asking
 * Redis again; a reservation is granted only what the second has left, so all processes together
 * stay within the limit, and what a process reserved but did not spend lapses with its second.
 * `acquire` waits (never fails) and returns the seconds it waited.
 */
export function createStripeRateLimiter(redis: Redis, prefix: string, perSecond: number, batch = Math.max(1, Math.floor(perSecond / 20))) {
  /** The second this process holds spare calls for, and how many. */
  let window = -1;
  let left = 0;
  /** A second found full: callers sleep to the next one instead of asking again. */
  let full = -1;
  /** One reservation at a time per process; concurrent callers wait for it and share its calls. */
  let reserving: Promise<void> | undefined;
  const reserve = async (second: number) => {
    const count = Number(await redis.eval(reserveScript, 1, `${prefix}:stripe-rate:${second}`, batch));
    const granted = Math.min(batch, perSecond - (count - batch));
    if (second > window) {
      window = second;
      left = 0;
    }
    if (second !== window) return;
    if (granted > 0) left += granted;
    else full = second;
  };
  return async function acquire(): Promise<number> {
    const started = Date.now();
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      if (second === window && left > 0) {
        left -= 1;
        return (Date.now() - started) / 1000;
      }
      if (second === full) {
        await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + Math.floor(Math.random() * 20)));
        continue;
      }
      reserving ??= reserve(second).finally(() => { reserving = undefined; });
      await reserving;
    }
  };
}
