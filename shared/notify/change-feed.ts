import type { Config } from '../infra/config.js';
import { unavailable } from '../errors.js';
import { withTimeout } from '../infra/lifecycle.js';
import type { Logger } from '../infra/logger.js';
import { closeRedis, createRedis, type Redis } from '../infra/redis.js';
import { changeLogKey, compareLogIds, parseEntries, type LogEntry, type RawEntry } from './change-log.js';

/** What a stream client hears from the feed. */
export interface FeedListener {
  entries: (entries: readonly LogEntry[]) => void;
  /** The log was lost or reset under the feed: clients must refetch and go on from `lastId`. */
  resync: (lastId: string) => void;
  /** The process is stopping. */
  end: () => void;
}

/**
 * One reader of the change log per api process, shared by every stream client of the process:
 * a dedicated connection blocks on `XREAD` after the last entry it has seen and hands each batch to
 * the listeners. Any api process therefore serves any stream; a client that reconnects elsewhere
 * resumes from its Last-Event-ID. The reader starts with the first listener and stops with the process.
 */
export class ChangeFeed {
  private readonly listeners = new Set<FeedListener>();
  private reader: Redis | undefined;
  private cursor = '0-0';
  private starting: Promise<void> | undefined;
  private stopped = false;
  /** Set by a reconnect: the log may have been lost meanwhile (a Redis restart without persistence). */
  private checkLog = false;

  constructor(private readonly inputs: { config: Config; logger: Logger }, private readonly blockMs = 5000) {}

  /** Starts the reader once; resolves when its starting position is fixed (entries after it will be heard). */
  ready(): Promise<void> {
    this.starting ??= this.begin().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  get size(): number {
    return this.listeners.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const listener of [...this.listeners]) listener.end();
    this.listeners.clear();
    if (this.reader) await closeRedis(this.reader);
  }

  private async begin(): Promise<void> {
    const { config } = this.inputs;
    const reader = createRedis(config, 'subscriber', `billing-api-stream:${config.REDIS_PREFIX}`);
    let connectedBefore = false;
    reader.on('ready', () => {
      if (connectedBefore) this.checkLog = true;
      connectedBefore = true;
    });
    let newest: RawEntry | undefined;
    try {
      [newest] = await withTimeout(reader.xrevrange(changeLogKey(config.REDIS_PREFIX), '+', '-', 'COUNT', 1) as Promise<RawEntry[]>, 3000, 'change log position');
    } catch {
      reader.disconnect();
      throw unavailable('stream_unavailable', 'the event stream cannot reach Redis; retry shortly');
    }
    if (this.stopped) {
      await closeRedis(reader);
      return;
    }
    this.reader = reader;
    this.cursor = newest?.[0] ?? '0-0';
    void this.loop(reader);
  }

  private async loop(reader: Redis): Promise<void> {
    const key = changeLogKey(this.inputs.config.REDIS_PREFIX);
    while (!this.stopped) {
      try {
        if (this.checkLog) await this.checkForReset(reader, key);
        const result = (await reader.xread('COUNT', 1000, 'BLOCK', this.blockMs, 'STREAMS', key, this.cursor));
        const raw = result?.[0]?.[1];
        if (!raw || raw.length === 0) continue;
        this.cursor = raw[raw.length - 1]?.[0] ?? this.cursor;
        const entries = parseEntries(raw);
        for (const listener of this.listeners) listener.entries(entries);
      } catch (error) {
        if (this.stopped) return;
        this.inputs.logger.warn('change feed: reading the change log failed; retrying', { error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** After a reconnect: a log whose newest id is behind our cursor was reset, so start over and tell clients. */
  private async checkForReset(reader: Redis, key: string): Promise<void> {
    this.checkLog = false;
    const [newest] = (await reader.xrevrange(key, '+', '-', 'COUNT', 1)) as RawEntry[];
    const last = newest?.[0] ?? '0-0';
    if (compareLogIds(last, this.cursor) >= 0) return;
    this.inputs.logger.warn('change feed: the change log was reset; stream clients resynchronise', { cursor: this.cursor, last });
    this.cursor = last;
    for (const listener of this.listeners) listener.resync(last);
  }
}
