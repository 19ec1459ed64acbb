import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReplyError } from 'ioredis';
import { AppError } from '../errors.js';
import type { Redis } from '../infra/redis.js';
import { balanceScript } from './balance-script.js';
import { balanceKeys, idempotencyKey } from './usage-keys.js';

const scriptSha = createHash('sha1').update(balanceScript).digest('hex');

/** Replies of a Redis (Cluster) in a failover or resharding: the command did not run, and asking again later succeeds. */
const movingReply = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN) /;

/** How long Redis remembers an answered idempotency key; past it, the ledger's unique key still refuses the duplicate. */
const MARKER_TTL_MS = 10 * 60_000;
/**
 * How long the marker of a request still being written lives unless renewed. The request renews
 * it while it runs ({@link BalanceStore.holdMarker}); a process that died mid-request stops
 * renewing, so a retry of its key is admitted again this soon, instead of answering
 * `idempotency_in_flight` for the whole {@link MARKER_TTL_MS}. Admitting it again never writes
 * twice: the ledger's unique key keeps one row, and the retry then replays that row's answer.
 */
const IN_FLIGHT_TTL_MS = 15_000;

/** What Redis holds for one balance, as the script reports it. */
export interface Figures { used: number; credited: number; reserved: number; rollover: number }

/** Where one (customer, feature) balance lives and which period it counts in. */
export interface BalanceSlot { customerId: string; feature: string; periodKey: string }

export interface AdmitRequest {
  mode: 'admit' | 'check' | 'peek';
  /** -1: unlimited. */
  allowance: number;
  amount: number;
  overage: string;
  idempotencyKey?: string;
  requestHash?: string;
  /** A reservation to hold instead of consuming. */
  reservation?: { id: string; expiresAt: Date };
  /**
   * Names this request's admission in its idempotency marker: sent again (a reply lost in a
   * failover), it is recognised as admitted once; never answered, it can be taken back ({@link BalanceStore.forsake}).
   */
  attempt?: string;
  now: Date;
}

export type AdmitOutcome =
  | { status: 'rebuild' | 'duplicate' | 'conflict' }
  | { status: 'ok'; allowed: boolean; counted: number; figures: Figures };

export interface LoadRequest {
  used: number; credited: number; rollover: number; rolloverUntil: Date | null;
  holds: { id: string; amount: number; expiresAt: Date }[];
}

type Reply = [string, ...number[]];

/**
 * The Redis side of balances: every call is one run of {@link balanceScript} on the keys of one
 * (customer, feature), so a decision and its effect are one atomic step across every api process.
 */
export class BalanceStore {
  private readonly inFlightTtlMs: number;
  /** Markers of requests still writing, with how many requests hold each. */
  private readonly held = new Map<string, number>();
  private renewal: NodeJS.Timeout | undefined;

  /** `inFlightTtlMs`: how soon a key whose request died may be retried. @defaultValue 15000 */
  constructor(private readonly redis: Redis, private readonly prefix: string, options: { inFlightTtlMs?: number } = {}) {
    this.inFlightTtlMs = options.inFlightTtlMs ?? IN_FLIGHT_TTL_MS;
  }

  /**
   * Keeps a just-admitted key's in-flight marker alive while its request writes; `release` stops
   * renewing and keeps the marker for {@link MARKER_TTL_MS}, so a later retry finds the answer
   * without re-admitting. One timer renews every held marker (every third of the TTL, so each is
   * renewed before it can lapse), rather than a timer per request. The answer does not wait for
   * these commands: should one fail, the marker only expires sooner, and a retry then re-admits
   * and is refused by the ledger's unique key (undone, replayed).
   */
  holdMarker(customerId: string, idem: string): { release(): void } {
    const marker = idempotencyKey(this.prefix, customerId, idem);
    this.held.set(marker, (this.held.get(marker) ?? 0) + 1);
    if (!this.renewal) {
      this.renewal = setInterval(() => {
        for (const key of this.held.keys()) this.redis.pexpire(key, this.inFlightTtlMs).catch(() => undefined);
      }, Math.max(1, Math.floor(this.inFlightTtlMs / 3)));
      this.renewal.unref();
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const holders = (this.held.get(marker) ?? 1) - 1;
        if (holders > 0) this.held.set(marker, holders);
        else this.held.delete(marker);
        if (this.held.size === 0) {
          clearInterval(this.renewal);
          this.renewal = undefined;
        }
        this.redis.pexpire(marker, MARKER_TTL_MS).catch(() => undefined);
      },
    };
  }

  /**
   * Error policy: a reply of Redis's (a script error) is a bug and stays one, except the replies of
   * a cluster whose slots are moving (redirections a pipelined command was not retried on, a cluster
   * down, a replica still read-only); any other failure is the client giving up on a Redis it
   * cannot reach (connection closed, command timed out, a cluster still failing over after its
   * redirections). Those are 503 `dependency_unavailable`, as for Postgres, and the caller retries
   * with the same idempotency key.
   */
  private async run(slot: BalanceSlot, idem: string, args: (string | number)[]): Promise<Reply> {
    const { state, holds } = balanceKeys(this.prefix, slot.customerId, slot.feature);
    const marker = idempotencyKey(this.prefix, slot.customerId, idem || '-');
    try {
      return await this.evaluate([state, holds, marker], args);
    } catch (error) {
      if (error instanceof ReplyError && !movingReply.test(String((error as Error).message))) throw error;
      throw new AppError(503, 'unavailable', 'dependency_unavailable', 'the balance store is unavailable; retry shortly with the same idempotency_key', undefined, { cause: error });
    }
  }

  private async evaluate(keys: string[], args: (string | number)[]): Promise<Reply> {
    try {
      return (await this.redis.evalsha(scriptSha, keys.length, ...keys, ...args)) as Reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(balanceScript, keys.length, ...keys, ...args)) as Reply;
    }
  }

  async admit(slot: BalanceSlot, request: AdmitRequest): Promise<AdmitOutcome> {
    const reply = await this.run(slot, request.idempotencyKey ?? '', [
      request.mode, slot.periodKey, request.now.getTime(), request.allowance, request.amount, request.overage,
      request.requestHash ?? '', this.inFlightTtlMs, request.reservation?.id ?? '', request.reservation?.expiresAt.getTime() ?? 0, request.attempt ?? '',
    ]);
    const [status, allowed = 0, counted = 0, used = 0, credited = 0, reserved = 0, rollover = 0] = reply;
    if (status === 'rebuild' || status === 'duplicate' || status === 'conflict') return { status };
    if (status !== 'ok') throw new AppError(500, 'internal', 'balance_script_reply', `unexpected balance script reply ${status}`);
    return { status, allowed: allowed === 1, counted, figures: { used, credited, reserved, rollover } };
  }

  /** Sets the balance from the ledger, unless another process already did for this period. */
  async load(slot: BalanceSlot, request: LoadRequest): Promise<void> {
    const holds = request.holds.flatMap((hold) => [hold.id, hold.amount, hold.expiresAt.getTime()]);
    await this.run(slot, '', ['load', slot.periodKey, request.used, request.credited, request.rollover, request.rolloverUntil?.getTime() ?? -1, ...holds]);
  }

  /**
   * Takes back an admission whose answer was lost (the call failed, yet Redis may have run it or
   * may still run it) unless the key's marker is another attempt's; asks again every
   * `everyMs` while Redis cannot answer (a failover), for at most `forMs`. Resolves whether
   * anything was taken back.
   */
  async forsake(slot: BalanceSlot, idem: string, attempt: string, reservationId = '', options = { everyMs: 250, forMs: 60_000 }): Promise<boolean> {
    const deadline = Date.now() + options.forMs;
    for (;;) {
      try {
        const [status] = await this.run(slot, idem, ['forsake', slot.periodKey, attempt, reservationId, MARKER_TTL_MS]);
        return status === 'forsaken';
      } catch (error) {
        const retriable = error instanceof AppError && error.code === 'dependency_unavailable' && this.redis.status !== 'end';
        if (!retriable || Date.now() > deadline) throw error;
        await sleep(options.everyMs, undefined, { ref: false });
      }
    }
  }

  /** Takes back an admission whose ledger write failed, and forgets its idempotency key. */
  async undo(slot: BalanceSlot, idem: string, amount: number, reservationId = ''): Promise<void> {
    await this.run(slot, idem, ['undo', slot.periodKey, amount, reservationId]);
  }

  /** A reservation settled in Postgres: it stops being held and `used` units count (0 for a release). */
  async settle(slot: BalanceSlot, reservationId: string, used: number): Promise<void> {
    await this.run(slot, '', ['settle', slot.periodKey, reservationId, used]);
  }

  /** An admin adjustment recorded in Postgres: positive debits, negative credits. */
  async adjust(slot: BalanceSlot, amount: number): Promise<void> {
    await this.run(slot, '', ['adjust', slot.periodKey, amount]);
  }

  /** Forgets a balance (tests and recovery): the next call rebuilds it from the ledger. */
  async forget(slot: Omit<BalanceSlot, 'periodKey'>): Promise<void> {
    const { state, holds } = balanceKeys(this.prefix, slot.customerId, slot.feature);
    await this.redis.del(state, holds);
  }
}
