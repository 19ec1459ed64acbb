import type { Redis } from '../infra/redis.js';
import type { NotifyEvent } from './entitlement-event.js';

/**
 * The change log every api process reads: one Redis stream per deployment (under the hash-tagged
 * prefix). Entry ids are the stream's own (`<ms>-<seq>`), strictly increasing in append order, so
 * they serve as SSE event ids and a client resumes after exactly the last one it saw. Entries older
 * than the retention are trimmed on append (approximately: never before the retention has passed).
 */
export const changeLogKey = (prefix: string) => `${prefix}:notify:log`;

export interface LogEntry {
  id: string;
  event: NotifyEvent;
  /** The Server-Sent Events frame of this entry, built once and written to every client. */
  frame: string;
}

export function sseFrame(id: string, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`;
}

/** Appends events in one round trip; returns their entry ids. */
export async function appendToLog(redis: Redis, prefix: string, retentionHours: number, events: readonly NotifyEvent[], now = Date.now()): Promise<string[]> {
  if (events.length === 0) return [];
  const minId = `${now - retentionHours * 3_600_000}-0`;
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(changeLogKey(prefix), 'MINID', '~', minId, '*', 'e', JSON.stringify(event));
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, id]) => {
    if (error) throw error;
    return String(id);
  });
}

export type RawEntry = [id: string, fields: string[]];

/** Parses stream entries; an entry that is not ours is skipped, never a crash. */
export function parseEntries(raw: readonly RawEntry[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const [id, fields] of raw) {
    const json = fields[fields.indexOf('e') + 1];
    if (!json) continue;
    try {
      const event = JSON.parse(json) as NotifyEvent;
      entries.push({ id, event, frame: sseFrame(id, event.type, json) });
    } catch {
      // not an entry this service wrote
    }
  }
  return entries;
}

/** Entries after `afterId` (exclusive), oldest first, at most `count`. */
export async function readLogAfter(redis: Redis, prefix: string, afterId: string, count: number): Promise<LogEntry[]> {
  const raw = (await redis.xrange(changeLogKey(prefix), `(${afterId}`, '+', 'COUNT', count)) as RawEntry[];
  return parseEntries(raw);
}

const entryId = /^(\d{1,15})-(\d{1,15})$/;

export function isLogId(value: string): boolean {
  return entryId.test(value);
}

/** Orders two entry ids (negative, zero, positive). */
export function compareLogIds(a: string, b: string): number {
  const [, am = '0', as = '0'] = entryId.exec(a) ?? [];
  const [, bm = '0', bs = '0'] = entryId.exec(b) ?? [];
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

export interface LogPosition {
  /** Id of the newest entry ever appended (`0-0` when none). */
  last: string;
  /** Whether entries after `afterId` may have been trimmed (or the log was lost): the client must refetch. */
  gap: boolean;
}

/**
 * Where the log stands relative to a client's last seen id. Trimming removes the oldest entries
 * first, so nothing after the client's id is missing exactly when its own entry is still there (or
 * it is the newest id ever appended). A log that is gone or restarted behind the id is a gap too.
 */
export async function logPosition(redis: Redis, prefix: string, afterId: string): Promise<LogPosition> {
  const key = changeLogKey(prefix);
  let info: unknown[];
  try {
    info = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
  } catch {
    // No stream: nothing was ever appended, or Redis lost it. A client that saw an entry has a gap.
    return { last: '0-0', gap: afterId !== '0-0' };
  }
  const lastGenerated = info[info.indexOf('last-generated-id') + 1];
  const last = typeof lastGenerated === 'string' ? lastGenerated : '0-0';
  if (afterId === last) return { last, gap: false };
  if (compareLogIds(afterId, last) > 0) return { last, gap: true };
  const own = await redis.xrange(key, afterId, afterId);
  return { last, gap: own.length === 0 };
}
