import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../shared/errors.js';
import type { Redis } from '../../shared/infra/redis.js';
import { authenticatedKey } from './authenticate.js';

/**
 * GCRA (a token bucket kept as one timestamp): each request moves the key's "theoretical arrival
 * time" one interval on; a request that would put it more than the burst ahead is refused, and the
 * answer is how many ms until it would not be. Redis's clock, so every api instance agrees.
 */
const gcraScript = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - tolerance > now then return tat - tolerance - now end
local next_tat = tat + interval
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(next_tat - now))
return 0`;

/**
 * Limits one route per API key: `perMinute` sustained, up to `burst` at once; over it a 429
 * `rate_limited` with `Retry-After` (seconds). Runs after authentication. Policy: when Redis cannot
 * answer, the request is let through (the route's own Stripe calls are still rate limited).
 */
export function perKeyRateLimit(redis: Redis, prefix: string, route: string, limits: { perMinute: number; burst: number }) {
  const interval = Math.ceil(60_000 / limits.perMinute);
  const tolerance = interval * (limits.burst - 1);
  return async (_req: Request, res: Response, next: NextFunction) => {
    const key = `${prefix}:rate:${route}:${authenticatedKey(res).id}`;
    const waitMs = await redis.eval(gcraScript, 1, key, interval, tolerance).then(Number, () => 0);
    if (waitMs > 0) {
      res.set('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new AppError(429, 'rate_limit', 'rate_limited', `this key may call ${route} ${limits.perMinute} times a minute (bursts of ${limits.burst}); retry after the Retry-After seconds`);
    }
    next();
  };
}
