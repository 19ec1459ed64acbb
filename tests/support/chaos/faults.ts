import { scrapeSum } from './api-metrics.js';
import type { ChaosProfile, FaultPlan } from './profile.js';
import type { ChaosStack } from './stack.js';

type FaultKind = keyof FaultPlan;

export interface FaultFigures {
  workerKills: number;
  redisRestarts: number;
  postgresOutages: number;
  /** Jobs running (events + sync queues) just before each SIGKILL: the kill hit work in progress. */
  activeJobsAtKills: number[];
  /** Jobs waiting, running or scheduled in the events and sync queues when Redis was killed: lost with it. */
  jobsLostWithRedis: number;
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
  readonly figures: FaultFigures = { workerKills: 0, redisRestarts: 0, postgresOutages: 0, activeJobsAtKills: [], jobsLostWithRedis: 0, refusedDuringOutages: 0 };
  #pending: { at: number; kind: FaultKind }[];
  #chain: Promise<void> = Promise.resolve();

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
  }

  async #inject(kind: FaultKind): Promise<void> {
    if (kind === 'killWorker') {
      // Kill while jobs run (waiting at most 5 s for some), so the kill interrupts work in progress.
      const { events, sync } = this.stack.queues;
      const activeJobs = async () => (await events.getActiveCount()) + (await sync.getActiveCount());
      const deadline = Date.now() + 5000;
      let active = await activeJobs();
      while (active === 0 && Date.now() < deadline) {
        await sleep(20);
        active = await activeJobs();
      }
      const worker = this.stack.workers[this.figures.workerKills % this.stack.workers.length];
      await worker?.kill('SIGKILL');
      this.figures.activeJobsAtKills.push(active);
      this.figures.workerKills += 1;
    } else if (kind === 'restartRedis') {
      for (const queue of [this.stack.queues.events, this.stack.queues.sync]) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        this.figures.jobsLostWithRedis += Object.values(counts).reduce((sum, n) => sum + n, 0);
      }
      await this.stack.stopRedis();
      await sleep(this.profile.redisOutageMs);
      await this.stack.startRedis();
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
