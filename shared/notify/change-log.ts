import type { Redis } from '../redis.js';
import type { NotifyEvent } from './entitlement-event.js';

/**
 * The change log every api process reads: one Redis stream per deployment (under the hash-tagged
 * prefix). Entry ids are the stream's own (`<ms>-<seq>`), strictly increasing in append order, so
 * they serve as SSE event ids and a client resumes after exactly the last one it saw. Entries older
 * than the retention are trimmed on append (approximately: never before the retention has passed).
 */
export const changeLogKey = (prefix: string) => `${prefix}:notify:log`;

export interface LogEntry { id: string; event: NotifyEvent; json: string }

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

type RawEntry = [id: string, fields: string[]];

/** Parses stream entries; an entry that is not ours is skipped, never a crash. */
export function parseEntries(raw: readonly RawEntry[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const [id, fields] of raw) {
    const json = fields[fields.indexOf('e') + 1];
    if (!json) continue;
    try {
      entries.push({ id, event: JSON.parse(json) as NotifyEvent, json });
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
 * Where the log stands relative to a client's last seen id. Redis 7 reports the highest trimmed id;
 * on older servers the first retained entry stands in for it (a gap is then assumed whenever the
 * client's id precedes it).
 */
export async function logPosition(redis: Redis, prefix: string, afterId: string): Promise<LogPosition> {
  let info: unknown[];
  try {
    info = (await redis.call('XINFO', 'STREAM', changeLogKey(prefix))) as unknown[];
  } catch {
    // No stream: nothing was ever appended, or Redis lost it. A client that saw an entry has a gap.
    return { last: '0-0', gap: afterId !== '0-0' };
  }
  const field = (name: string): unknown => info[info.indexOf(name) + 1];
  const lastGenerated = field('last-generated-id');
  const last = typeof lastGenerated === 'string' ? lastGenerated : '0-0';
  const maxDeleted = field('max-deleted-entry-id');
  const first = field('first-entry') as RawEntry | null | undefined;
  const trimmedPast = typeof maxDeleted === 'string'
    ? compareLogIds(maxDeleted, afterId) > 0
    : first ? compareLogIds(first[0], afterId) > 0 && afterId !== '0-0' : false;
  return { last, gap: trimmedPast || compareLogIds(afterId, last) > 0 };
}
