import type Stripe from 'stripe';
import type { Random } from '../random.js';
import { signPayload } from './sign.js';

/** Misbehaviours Stripe is allowed and a receiver must survive. All default to off. */
export interface WebhookChaos {
  /** Share of events delivered a second time a little later, 0–100. @defaultValue 0 */
  duplicatePercent?: number;
  /** Share of events never delivered (still listed by `GET /v1/events`), 0–100. @defaultValue 0 */
  dropPercent?: number;
  /** Hold events and release them shuffled every this many ms; 0 = no reordering. @defaultValue 0 */
  reorderWindowMs?: number;
  /** …or as soon as this many events are held. @defaultValue 10 */
  reorderBatch?: number;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Delay before the first retry; each retry doubles it. @defaultValue 1000 */
  baseDelayMs?: number;
  /** Attempts per event before giving up, first one included. @defaultValue 5 */
  maxAttempts?: number;
  /** Per-attempt request timeout. @defaultValue 10000 */
  timeoutMs?: number;
  chaos?: WebhookChaos;
}

export interface DeliveryStats {
  /** Events accepted for delivery (dropped ones included). */
  enqueued: number;
  /** Successful (2xx) deliveries, duplicates included. */
  sent: number;
  /** Attempts made in total. */
  attempts: number;
  /** Attempts scheduled after a failure. */
  retried: number;
  /** Events given up on after `maxAttempts`. */
  failed: number;
  duplicated: number;
  dropped: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  attempt: number;
  status: number | null;
  duplicate: boolean;
  error?: string;
  /** When the attempt ended (answered, failed or dropped), epoch ms. */
  at: number;
}

interface Job {
  event: Stripe.Event;
  payload: string;
  attempt: number;
  duplicate: boolean;
}

/**
 * Delivers events to one endpoint like Stripe: signed JSON POSTs, retries with exponential
 * backoff on non-2xx or network errors, on the real wall clock. Chaos switches drop, duplicate
 * and reorder deliveries deterministically from the seeded `random`.
 */
export class WebhookDelivery {
  readonly stats: DeliveryStats = { enqueued: 0, sent: 0, attempts: 0, retried: 0, failed: 0, duplicated: 0, dropped: 0 };
  readonly log: DeliveryRecord[] = [];
  readonly #listeners = new Set<(record: DeliveryRecord) => void>();
  #options: WebhookOptions | null;
  #held: Job[] = [];
  #holdTimer: NodeJS.Timeout | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];
  readonly #aborts = new Set<AbortController>();
  #closed = false;

  constructor(private readonly random: Random, options: WebhookOptions | null = null) {
    this.#options = options;
  }

  get endpointCount(): number {
    return this.#options ? 1 : 0;
  }

  get options(): Readonly<WebhookOptions> | null {
    return this.#options;
  }

  configure(options: WebhookOptions | null): void {
    this.#options = options;
  }

  setChaos(chaos: WebhookChaos): void {
    if (this.#options) this.#options = { ...this.#options, chaos: { ...this.#options.chaos, ...chaos } };
  }

  enqueue(event: Stripe.Event): void {
    const options = this.#options;
    if (!options) return;
    this.stats.enqueued += 1;
    const chaos = options.chaos ?? {};
    if (this.random.chance(chaos.dropPercent ?? 0)) {
      this.stats.dropped += 1;
      this.#record({ eventId: event.id, type: event.type, attempt: 0, status: null, duplicate: false, error: 'dropped by chaos', at: Date.now() });
      return;
    }
    const job: Job = { event, payload: JSON.stringify(event, null, 2), attempt: 1, duplicate: false };
    const window = chaos.reorderWindowMs ?? 0;
    if (window <= 0) {
      this.#dispatch(job);
      return;
    }
    this.#held.push(job);
    if (this.#held.length >= (chaos.reorderBatch ?? 10)) this.#release();
    else this.#holdTimer ??= setTimeout(() => this.#release(), window);
  }

  /** Resolves once nothing is held, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops all timers and in-flight requests; pending deliveries are abandoned. */
  close(): void {
    this.#closed = true;
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    this.#holdTimer = null;
    this.#held = [];
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const abort of this.#aborts) abort.abort();
    this.#settle();
  }

  #release(): void {
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    this.#holdTimer = null;
    const jobs = this.random.shuffle(this.#held);
    this.#held = [];
    for (const job of jobs) this.#dispatch(job);
  }

  #later(delayMs: number, job: Job): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#dispatch(job);
    }, delayMs);
    this.#timers.add(timer);
  }

  #dispatch(job: Job): void {
    this.#inFlight += 1;
    void this.#attempt(job).finally(() => {
      this.#inFlight -= 1;
      this.#settle();
    });
  }

  async #attempt(job: Job): Promise<void> {
    const options = this.#options;
    if (!options || this.#closed) return;
    this.stats.attempts += 1;
    const abort = new AbortController();
    this.#aborts.add(abort);
    const timeout = setTimeout(() => abort.abort(), options.timeoutMs ?? 10_000);
    const record: DeliveryRecord = { eventId: job.event.id, type: job.event.type, attempt: job.attempt, status: null, duplicate: job.duplicate, at: 0 };
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signPayload(job.payload, options.secret, Math.floor(Date.now() / 1000)),
        },
        body: job.payload,
        signal: abort.signal,
      });
      record.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timeout);
      this.#aborts.delete(abort);
    }
    record.at = Date.now();
    this.#record(record);
    if (record.status !== null && record.status >= 200 && record.status < 300) this.#succeeded(job, options);
    else this.#failed(job, options);
  }

  #succeeded(job: Job, options: WebhookOptions): void {
    this.stats.sent += 1;
    if (job.duplicate || !this.random.chance(options.chaos?.duplicatePercent ?? 0)) return;
    this.stats.duplicated += 1;
    const base = options.baseDelayMs ?? 1000;
    this.#later(this.random.int(Math.max(1, base * 2)), { ...job, attempt: 1, duplicate: true });
  }

  #failed(job: Job, options: WebhookOptions): void {
    if (job.attempt >= (options.maxAttempts ?? 5)) {
      this.stats.failed += 1;
      return;
    }
    this.stats.retried += 1;
    const delay = (options.baseDelayMs ?? 1000) * 2 ** (job.attempt - 1);
    this.#later(delay, { ...job, attempt: job.attempt + 1 });
  }

  /** Calls `listener` with every attempt as it ends (the log keeps only the latest); returns an unsubscribe function. */
  onAttempt(listener: (record: DeliveryRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps the most recent 1000 attempts, so a long-running simulator does not grow without bound. */
  #record(entry: DeliveryRecord): void {
    this.log.push(entry);
    if (this.log.length > 1000) this.log.shift();
    for (const listener of this.#listeners) listener(entry);
  }

  #isIdle(): boolean {
    return this.#inFlight === 0 && this.#held.length === 0 && this.#timers.size === 0 && this.#holdTimer === null;
  }

  #settle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
