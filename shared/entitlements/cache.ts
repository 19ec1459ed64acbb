import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { Context } from '../context.js';
import { cacheKeys } from './cache-keys.js';
import { InvalidationSubscription } from './invalidation-subscription.js';
import { prepareView, readEntitlements, type EntitlementView, type PreparedView } from './read.js';

export interface EntitlementCacheOptions {
  /** The clock every expiry decision reads; tests inject one. @defaultValue `() => new Date()` */
  now?: () => Date;
  /** Most entries the in-process tier holds; the oldest goes first. @defaultValue 50_000 */
  maxMemoryEntries?: number;
  /** Longest life of an in-process entry, in seconds (also capped by `ENTITLEMENT_CACHE_TTL_SECONDS`). @defaultValue 30 */
  memoryTtlSeconds?: number;
  /** Most unknown references the in-process tier remembers, apart from known customers; the least recently read goes first. @defaultValue 10_000 */
  maxUnknownEntries?: number;
  /** How often this process checks that its invalidations still arrive, in ms (see {@link InvalidationSubscription}). @defaultValue 1000 */
  heartbeatMs?: number;
}

type CacheInputs = Pick<Context, 'config' | 'db' | 'redis' | 'metrics' | 'logger' | 'catalogFile' | 'policy'> & Partial<Pick<Context, 'replicas'>>;

/** Clocks of api and worker hosts may differ this much (NTP keeps them far closer). */
const clockSkewMs = 250;

interface MemoryEntry { prepared: PreparedView; until: number }
/** Set when an invalidation arrives during a fill: its answer is still served, but not kept. */
interface FillState { stale: boolean }
interface Flight { promise: Promise<PreparedView>; state: FillState }

/**
 * Stores the entry only if the reference's epoch is what the reader saw before its Postgres read:
 * an invalidation in between bumped it, and the (possibly stale) answer is dropped.
 */
const storeIfEpochUnchanged = `
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/**
 * Entitlement reads through two tiers: an in-process Map, then Redis, then Postgres.
 *
 * Policy:
 * - no tier keeps an answer past its `nextChangeAt` (an expiry), so expiry needs no job;
 * - the in-process tier is used only while invalidations reach this process (see
 *   {@link InvalidationSubscription}: subscribed, and its heartbeat heard); it is cleared whenever
 *   that starts or stops, since messages may have been missed;
 * - concurrent misses for one reference share one fill (single flight);
 * - an unknown reference never becomes a Redis key (anyone with a read key could otherwise create
 *   one per made-up reference, under `noeviction`); it is remembered in-process only, in a
 *   bounded LRU of its own, so made-up references cannot push known customers out of memory;
 * - Redis trouble never fails a read: the answer then comes from Postgres.
 *
 * A cache that was never `start()`ed works with Redis and Postgres only.
 */
export class EntitlementCache extends EventEmitter<{ invalidated: [refs: string[]]; subscribed: [] }> {
  readonly now: () => Date;
  private readonly memory = new Map<string, MemoryEntry>();
  private readonly unknown: LRUCache<string, MemoryEntry>;
  private readonly flights = new Map<string, Flight>();
  private readonly maxMemoryEntries: number;
  private readonly memoryTtlMs: number;
  private readonly redisTtlMs: number;
  private readonly counters;
  /** Only while it is up may the in-process tier answer. */
  private readonly subscription: InvalidationSubscription;
  /** Bumped on every full clear; a fill that began under an older generation is not kept in memory. */
  private generation = 0;

  constructor(private readonly inputs: CacheInputs, options: EntitlementCacheOptions = {}) {
    super();
    this.now = options.now ?? (() => new Date());
    this.maxMemoryEntries = options.maxMemoryEntries ?? 50_000;
    this.unknown = new LRUCache({ max: options.maxUnknownEntries ?? 10_000 });
    this.redisTtlMs = inputs.config.ENTITLEMENT_CACHE_TTL_SECONDS * 1000;
    this.memoryTtlMs = Math.min(inputs.config.ENTITLEMENT_CACHE_TTL_SECONDS, options.memoryTtlSeconds ?? 30) * 1000;
    this.subscription = new InvalidationSubscription(inputs, options.heartbeatMs);
    this.subscription.on('message', (message) => this.onMessage(message));
    // Whatever arrived while invalidations could be missed is not kept: cleared on the way down and up.
    this.subscription.on('down', () => this.clearMemory());
    this.subscription.on('up', () => {
      this.clearMemory();
      this.emit('subscribed');
    });
    const requests = inputs.metrics.cacheRequests;
    this.counters = {
      memoryHit: requests.labels({ tier: 'memory', result: 'hit' }),
      memoryMiss: requests.labels({ tier: 'memory', result: 'miss' }),
      redisHit: requests.labels({ tier: 'redis', result: 'hit' }),
      redisMiss: requests.labels({ tier: 'redis', result: 'miss' }),
    };
  }

  /** Opens the invalidation subscription; waits at most `timeoutMs` for it to be up. */
  async start(timeoutMs = 3000): Promise<void> {
    if (this.subscription.up) return;
    const subscribed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.once('subscribed', () => { clearTimeout(timer); resolve(); });
    });
    this.subscription.start();
    await subscribed;
  }

  async stop(): Promise<void> {
    await this.subscription.stop();
    this.clearMemory();
  }

  /** True while invalidations reach this process (the in-process tier is in use). */
  get subscribed(): boolean {
    return this.subscription.up;
  }

  /** The answer for a reference (already validated by the caller). */
  get(ref: string): Promise<PreparedView> {
    if (this.subscription.up) {
      const entry = this.memory.get(ref) ?? this.unknown.get(ref);
      if (entry && entry.until > this.now().getTime()) {
        this.counters.memoryHit.inc();
        return Promise.resolve(entry.prepared);
      }
      if (entry) this.forget(ref);
    }
    this.counters.memoryMiss.inc();
    const running = this.flights.get(ref);
    if (running) return running.promise;
    const state: FillState = { stale: false };
    const promise = this.fill(ref, state).finally(() => {
      if (this.flights.get(ref)?.state === state) this.flights.delete(ref);
    });
    this.flights.set(ref, { promise, state });
    return promise;
  }

  private async fill(ref: string, state: FillState): Promise<PreparedView> {
    const generation = this.generation;
    const { redis, config } = this.inputs;
    const entryKey = cacheKeys.entry(config.REDIS_PREFIX, ref);
    const epochKey = cacheKeys.epoch(config.REDIS_PREFIX, ref);
    let epoch: string | undefined;
    try {
      const [entry, seen] = await redis.mget(entryKey, epochKey);
      epoch = seen ?? '';
      const cached = entry ? parseEntry(entry) : undefined;
      if (cached && (cached.nextChangeAt === null || cached.nextChangeAt > this.now().getTime())) {
        this.counters.redisHit.inc();
        const prepared = prepareView(cached);
        this.remember(ref, prepared, state, generation);
        return prepared;
      }
    } catch (error) {
      this.inputs.logger.debug('entitlement cache: Redis read failed; reading Postgres', { error });
    }
    this.counters.redisMiss.inc();
    const now = this.now();
    const view = await readEntitlements({ ...this.inputs, db: this.readerFor(epoch) }, ref, now);
    const prepared = prepareView(view);
    if (view.customer === null) {
      this.remember(ref, prepared, state, generation);
      return prepared;
    }
    const stored = epoch === undefined ? false : await this.storeInRedis(entryKey, epochKey, epoch, view, now.getTime());
    if (stored) this.remember(ref, prepared, state, generation);
    return prepared;
  }

  /**
   * Where a miss reads: a read replica within REPLICA_MAX_LAG_MS that already shows the reference's
   * last change (its last invalidation, the epoch, is older than what the replica is current as of),
   * else the primary. So a replica never brings back an answer older than one already invalidated,
   * and a `min_version` read after a write reads the primary until the replica has caught up.
   * Without a readable epoch (Redis trouble) the primary answers.
   */
  private readerFor(epoch: string | undefined): Context['db'] {
    const replica = epoch === undefined ? undefined : this.inputs.replicas?.pick();
    if (!replica) return this.inputs.db;
    const changedAt = epoch === '' ? 0 : Number(epoch);
    return Number.isFinite(changedAt) && changedAt + clockSkewMs < replica.currentAsOf ? replica.db : this.inputs.db;
  }

  /** Redis TTL: min(ENTITLEMENT_CACHE_TTL_SECONDS, time to the next change). False when not stored. */
  private async storeInRedis(entryKey: string, epochKey: string, epoch: string, view: EntitlementView, now: number): Promise<boolean> {
    const ttl = Math.min(this.redisTtlMs, view.nextChangeAt === null ? Infinity : view.nextChangeAt - now);
    if (ttl < 1) return false;
    try {
      const result = await this.inputs.redis.eval(storeIfEpochUnchanged, 2, entryKey, epochKey, epoch, JSON.stringify(view), Math.floor(ttl));
      return result === 1;
    } catch (error) {
      this.inputs.logger.debug('entitlement cache: Redis store failed', { error });
      return false;
    }
  }

  private remember(ref: string, prepared: PreparedView, state: FillState, generation: number): void {
    if (!this.subscription.up || state.stale || generation !== this.generation) return;
    const now = this.now().getTime();
    const until = Math.min(now + this.memoryTtlMs, prepared.view.nextChangeAt ?? Infinity);
    if (until <= now) return;
    if (prepared.view.customer === null) {
      this.unknown.set(ref, { prepared, until });
      return;
    }
    if (this.memory.size >= this.maxMemoryEntries) {
      const oldest = this.memory.keys().next();
      if (!oldest.done) this.memory.delete(oldest.value);
    }
    this.memory.set(ref, { prepared, until });
  }

  /** A message names the invalidated references (a JSON array); anything else clears the whole tier. */
  private onMessage(message: string): void {
    let refs: unknown;
    try {
      refs = JSON.parse(message);
    } catch {
      refs = undefined;
    }
    if (!Array.isArray(refs) || !refs.every((ref): ref is string => typeof ref === 'string')) {
      this.clearMemory();
      return;
    }
    for (const ref of refs) {
      this.forget(ref);
      const flight = this.flights.get(ref);
      if (flight) {
        flight.state.stale = true;
        this.flights.delete(ref);
      }
    }
    this.emit('invalidated', refs);
  }

  private forget(ref: string): void {
    this.memory.delete(ref);
    this.unknown.delete(ref);
  }

  private clearMemory(): void {
    this.generation += 1;
    this.memory.clear();
    this.unknown.clear();
    for (const flight of this.flights.values()) flight.state.stale = true;
    this.flights.clear();
  }
}

/** Our own format, but Redis is shared: anything unexpected is a miss, never a crash. */
function parseEntry(text: string): EntitlementView | undefined {
  try {
    const value = JSON.parse(text) as Partial<EntitlementView> | null;
    if (value && Array.isArray(value.entitlements) && 'customer' in value && typeof value.version === 'number' && (typeof value.nextChangeAt === 'number' || value.nextChangeAt === null)) {
      return value as EntitlementView;
    }
  } catch {
    // fall through: treated as a miss and overwritten by the next fill
  }
  return undefined;
}
