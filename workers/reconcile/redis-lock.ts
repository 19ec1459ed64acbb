import type { Redis } from '../../shared/infra/redis.js';

const refreshScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const takeOverScript = `local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, string.len(ARGV[2])) == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) return 1 end
return 0`;

export type LockAttempt =
  | { acquired: true; lock: HeldLock }
  | { acquired: false; holder: string | null };

export interface HeldLock {
  /** Set once a heartbeat found the lock gone or taken over: the holder must stop at the next safe point. */
  readonly lost: () => boolean;
  release: () => Promise<void>;
}

/**
 * A Redis lock (`SET key owner NX PX ttl`) kept alive by a heartbeat every third of its TTL, so a
 * crashed holder frees it within `ttlMs`. `takeOverFrom`: a holder whose owner starts with this
 * prefix is replaced at once (the same reconciliation run picked up again after its worker died
 * or stalled); should the earlier holder still be alive, its next heartbeat finds the lock taken.
 */
export async function acquireLock(redis: Redis, key: string, owner: string, options: { ttlMs?: number; takeOverFrom?: string } = {}): Promise<LockAttempt> {
  const ttlMs = options.ttlMs ?? 30_000;
  let ok = (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
  if (!ok && options.takeOverFrom) ok = Number(await redis.eval(takeOverScript, 1, key, owner, options.takeOverFrom, ttlMs)) === 1;
  if (!ok) return { acquired: false, holder: await redis.get(key) };
  let lost = false;
  const timer = setInterval(() => {
    redis.eval(refreshScript, 1, key, owner, ttlMs)
      .then((result) => { if (Number(result) !== 1) lost = true; })
      // A Redis hiccup is not a loss yet: the TTL leaves two more beats before another run may start.
      .catch(() => undefined);
  }, Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    acquired: true,
    lock: {
      lost: () => lost,
      release: async () => {
        clearInterval(timer);
        await redis.eval(releaseScript, 1, key, owner);
      },
    },
  };
}
