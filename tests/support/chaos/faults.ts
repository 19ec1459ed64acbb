import { scrapeSum } from './api-metrics.js';
import type { ChaosProfile, FaultPlan } from './profile.js';
import type { ChaosStack } from './stack.js';

type FaultKind = keyof FaultPlan;

export interface FaultFigures {
  workerKills: number;
  redisRestarts: number;
  postgresOutages: number;
  /** Jobs running (events + sync queues, both workers) just before each SIGKILL. */
  activeJobsAtKills: number[];
  /** Jobs of the killed worker BullMQ found stalled after each SIGKILL (and gave to a live worker): the work the kill interrupted. */
  jobsStalledByKills: number[];
  /** Jobs waiting, running or scheduled in the events and sync queues when Redis was killed, per restart: lost with it (0 if Redis came back with its data). */
  jobsLostAtRedisRestarts: number[];
  /** Webhook deliveries the api refused with 503 while Postgres was down (the simulator redelivers them). */
  refusedDuringOutages: number;
}

const refusedWebhooks = (apiUrl: string) => scrapeSum(apiUrl, 'http_request_duration_seconds_count', { route: '/webhooks/stripe', status: '503' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Injects the profile's faults as the run progresses, one at a time and in the background, so the
 * simulator keeps delivering while a worker dies, Redis restarts empty or Postgres is away.
 */
export class FaultInjector {
  readonly figures: FaultFigures = { workerKills: 0, redisRestarts: 0, postgresOutages: 0, activeJobsAtKills: [], jobsStalledByKills: [], jobsLostAtRedisRestarts: [], refusedDuringOutages: 0 };
  #pending: { at: number; kind: FaultKind }[];
  #chain: Promise<void> = Promise.resolve();
  /** Stall counts still being read after kills; they run beside the next faults (a Redis restart waits for them). */
  #stallChecks: Promise<void>[] = [];

  constructor(private readonly stack: ChaosStack, private readonly profile: ChaosProfile) {
    this.#pending = (Object.entries(profile.faults) as [FaultKind, number[]][])
      .flatMap(([kind, shares]) => shares.map((at) => ({ at, kind })))
      .sort((a, b) => a.at - b.at);
  }

  /** Starts every fault due at `share` of the run (0–1); does not wait for them. */
  progress(share: number): void {
    while (this.#pending[0] && this.#pending[0].at <= share) {
      const { kind } = this.#pending.shift()!;
      this.#chain = this.#chain.then(() => this.#inject(kind));
    }
  }

  /** Injects whatever is still due and waits until every fault is over (services back up). */
  async finish(): Promise<void> {
    this.progress(1);
    await this.#chain;
    await Promise.all(this.#stallChecks);
  }

  /**
   * Jobs of the events and sync queues BullMQ reported stalled since `since` (epoch ms), read from
   * the queues' event streams: a killed worker's jobs are found once their locks lapse. Waits for
   * the first (at most a few lock periods), then one more check interval for the rest.
   */
  async #stalledSince(since: number): Promise<number> {
    const lockMs = this.stack.config.JOB_LOCK_MS;
    const count = async () => {
      let n = 0;
      for (const queue of [this.stack.queues.events, this.stack.queues.sync]) {
        const entries = await this.stack.redis.xrange(queue.keys.events, String(since), '+');
        n += entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
      }
      return n;
    };
    const deadline = Date.now() + 5 * lockMs + 5000;
    while ((await count()) === 0 && Date.now() < deadline) await sleep(100);
    await sleep(lockMs);
    return count();
  }

  async #inject(kind: FaultKind): Promise<void> {
    if (kind === 'killWorker') {
      // Kill while jobs run, so the kill interrupts work in progress: best when one queue has more
      // jobs running than one process takes at once, for then every worker process holds some.
      const { events, sync } = this.stack.queues;
      const concurrency = this.stack.config.WORKER_CONCURRENCY;
      const active = async () => [await events.getActiveCount(), await sync.getActiveCount()];
      let counts = await active();
      const deadline = Date.now() + 10_000;
      while (!counts.some((n) => n > concurrency) && !(Date.now() > deadline && counts.some((n) => n > 0))) {
        await sleep(20);
        counts = await active();
      }
      const worker = this.stack.workers[this.figures.workerKills % this.stack.workers.length];
      const killedAt = Date.now();
      await worker?.kill('SIGKILL');
      this.figures.activeJobsAtKills.push(counts.reduce((sum, n) => sum + n, 0));
      const index = this.figures.workerKills;
      this.figures.jobsStalledByKills[index] = 0;
      this.#stallChecks.push(this.#stalledSince(killedAt).then((n) => { this.figures.jobsStalledByKills[index] = n; }));
      this.figures.workerKills += 1;
    } else if (kind === 'restartRedis') {
      // Restart while jobs are queued (waiting at most 10 s for some), so the restart loses work.
      const queued = async () => {
        let n = 0;
        for (const queue of [this.stack.queues.events, this.stack.queues.sync]) {
          n += Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce((sum, count) => sum + count, 0);
        }
        return n;
      };
      let before = await queued();
      const deadline = Date.now() + 10_000;
      while (before === 0 && Date.now() < deadline) {
        await sleep(20);
        before = await queued();
      }
      // The event streams the stall counts read go with Redis.
      await Promise.all(this.#stallChecks);
      // A marker tells whether the restart really came back empty (a Redis that kept its data lost nothing).
      const marker = `chaos:restart-marker:${this.figures.redisRestarts}`;
      await this.stack.redis.set(marker, '1');
      await this.stack.stopRedis();
      await sleep(this.profile.redisOutageMs);
      await this.stack.startRedis();
      const wiped = (await this.stack.redis.exists(marker)) === 0;
      this.figures.jobsLostAtRedisRestarts.push(wiped ? before : 0);
      this.figures.redisRestarts += 1;
    } else {
      const before = await refusedWebhooks(this.stack.apiUrl);
      await this.stack.stopPostgres();
      await sleep(this.profile.postgresOutageMs);
      await this.stack.startPostgres();
      this.figures.refusedDuringOutages += (await refusedWebhooks(this.stack.apiUrl)) - before;
      this.figures.postgresOutages += 1;
    }
  }
}
