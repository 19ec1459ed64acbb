import type { Response } from 'express';
import { compareLogIds, type LogEntry } from '../../shared/notify/change-log.js';
import { concernsCustomer } from '../../shared/notify/entitlement-event.js';

export interface StreamClientOptions {
  /** Only this customer's events (a Stripe customer id or user id); every customer when undefined. */
  customer: string | undefined;
  /** Unread bytes past which the client is cut off. */
  maxBufferBytes: number;
  onCutOff: () => void;
}

/**
 * One open event stream. Entries arrive from the replay and from the live feed; the cursor (the id
 * of the last entry handled) makes the hand-over exact: nothing is sent twice, nothing skipped.
 * Live entries that arrive during the replay wait in `pending` (bounded by the same limit).
 *
 * Backpressure policy: the replay waits for the socket to drain; a live client whose unread bytes
 * pass `maxBufferBytes` is disconnected (it resumes with Last-Event-ID), so a slow reader never
 * grows this process's memory without bound.
 */
export class StreamClient {
  private pending: LogEntry[] | undefined = [];
  private pendingBytes = 0;
  closed = false;

  constructor(private readonly res: Response, public cursor: string, private readonly options: StreamClientOptions) {
    res.on('close', () => { this.closed = true; });
  }

  private wants(entry: LogEntry): boolean {
    return compareLogIds(entry.id, this.cursor) > 0 && (this.options.customer === undefined || concernsCustomer(entry.event, this.options.customer));
  }

  /** From the live feed: written now, or kept until the replay ends. */
  live(entries: readonly LogEntry[]): void {
    if (this.closed) return;
    if (this.pending) {
      for (const entry of entries) {
        this.pending.push(entry);
        this.pendingBytes += entry.frame.length;
      }
      if (this.pendingBytes > this.options.maxBufferBytes) this.cutOff();
      return;
    }
    for (const entry of entries) {
      const wanted = this.wants(entry);
      if (compareLogIds(entry.id, this.cursor) > 0) this.cursor = entry.id;
      if (wanted) this.res.write(entry.frame);
    }
    if (this.res.writableLength > this.options.maxBufferBytes) this.cutOff();
  }

  /** From the replay: waits for the socket to drain when its buffer is full. */
  async replay(entries: readonly LogEntry[]): Promise<void> {
    for (const entry of entries) {
      if (this.closed) return;
      const wanted = this.wants(entry);
      if (compareLogIds(entry.id, this.cursor) > 0) this.cursor = entry.id;
      if (wanted && !this.res.write(entry.frame)) await this.drained();
    }
  }

  /** Ends the replay: entries that arrived meanwhile go out (those already replayed are skipped). */
  goLive(): void {
    const waiting = this.pending ?? [];
    this.pending = undefined;
    this.pendingBytes = 0;
    this.live(waiting);
  }

  /** Writes a control frame (resync, heartbeat). */
  write(frame: string): void {
    if (!this.closed) this.res.write(frame);
  }

  end(): void {
    if (!this.closed) this.res.end();
    this.closed = true;
  }

  private cutOff(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onCutOff();
    this.res.destroy();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { this.res.off('drain', done); this.res.off('close', done); resolve(); };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
}
