import { createDb, type Db } from './db.js';

/** What a lag reading needs of a database: the primary's WAL position, or a replica's replay position. */
const primaryPosition = `select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as lsn`;
const replayPosition = `select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::float8 as lsn`;

interface Sample { at: number; lsn: number }
interface Replica { db: Db; url: string; currentAsOf: number | undefined }

export interface ReplicaChoice {
  db: Db;
  /** Every commit made on the primary before this time (this process's clock) is visible on the replica. */
  currentAsOf: number;
}

/**
 * Read replicas (`DATABASE_REPLICA_URLS`) and how far behind each is. Lag is measured without
 * writing anything: every poll reads the primary's WAL position (a heartbeat of positions, each
 * with the time it was read) and each replica's replay position; a replica is current as of the
 * newest heartbeat its replay has passed. A replica further behind than `REPLICA_MAX_LAG_MS` (or
 * that did not answer its last poll) is skipped, and its reads go to the primary.
 */
export class ReadReplicas {
  private readonly replicas: Replica[];
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private turn = 0;
  readonly intervalMs: number;

  constructor(private readonly primary: Db, urls: readonly string[], private readonly options: { maxLagMs: number; poolMax: number; applicationName: string; warn: (message: string) => void; now?: () => number }) {
    this.replicas = urls.map((url) => ({ url, db: createDb({ url, poolMax: options.poolMax, applicationName: options.applicationName, warn: options.warn }), currentAsOf: undefined }));
    this.intervalMs = Math.min(1000, Math.max(50, Math.floor(options.maxLagMs / 4)));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Polls now and then every `intervalMs`; resolves after the first poll. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => { this.polling ??= this.poll().finally(() => { this.polling = undefined; }); }, this.intervalMs);
    this.timer.unref();
    await this.poll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.allSettled(this.replicas.map((replica) => replica.db.destroy()));
  }

  /** One heartbeat: the primary's position, then each replica's replay position against the heartbeats kept. */
  async poll(): Promise<void> {
    try {
      const { rows: [row] } = await this.primary.raw<{ rows: { lsn: number }[] }>(primaryPosition);
      if (row) this.samples.push({ at: this.now(), lsn: row.lsn });
    } catch (error) {
      this.options.warn(`replica lag: the primary's WAL position could not be read (${(error as Error).message})`);
    }
    // Heartbeats older than the lag that may be tolerated are no use: a replica that far behind is skipped anyway.
    const oldest = this.now() - this.options.maxLagMs - 2 * this.intervalMs;
    while (this.samples.length > 2 && (this.samples[0]).at < oldest) this.samples.shift();
    await Promise.all(this.replicas.map(async (replica) => {
      try {
        const { rows: [row] } = await replica.db.raw<{ rows: { lsn: number | null }[] }>(replayPosition);
        const replayed = row?.lsn ?? -1;
        const passed = this.samples.filter((sample) => sample.lsn <= replayed);
        replica.currentAsOf = passed.length > 0 ? (passed.at(-1) as Sample).at : undefined;
      } catch {
        replica.currentAsOf = undefined;
      }
    }));
  }

  /** A replica within `REPLICA_MAX_LAG_MS`, in turn; undefined when none is. */
  pick(): ReplicaChoice | undefined {
    const now = this.now();
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const replica = this.replicas[this.turn++ % this.replicas.length];
      if (replica.currentAsOf !== undefined && now - replica.currentAsOf <= this.options.maxLagMs) return { db: replica.db, currentAsOf: replica.currentAsOf };
    }
    return undefined;
  }

  /** Where a list read goes: a replica within the lag, else the primary. */
  reader(): Db {
    return this.pick()?.db ?? this.primary;
  }
}

/** The database a list read uses: a current replica when there are replicas, the primary otherwise. */
export function listReader(context: { db: Db; replicas?: ReadReplicas | undefined }): Db {
  return context.replicas?.reader() ?? context.db;
}
