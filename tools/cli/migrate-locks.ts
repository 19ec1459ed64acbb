/**
 * What one migration statement locks, read from its SQL (Postgres 15 semantics). Pure: the table
 * sizes come from the caller.
 *
 * Policy: a statement that holds a lock while it reads or rewrites a whole existing table blocks
 * the service for a time that grows with the table; one that only changes the catalog holds its
 * lock for an instant. Creating, renaming and dropping are instant; so is adding a column
 * without a volatile default (Postgres 11+ stores a constant default in the catalog).
 */
export type LockKind =
  /** an instant: catalog-only change, or a table created in this migration */
  | 'instant'
  /** writes to the table wait (reads go on) while the table is read: CREATE INDEX, foreign keys */
  | 'writes'
  /** reads and writes wait while the table is read or rewritten */
  | 'all'
  /** the rows the statement touches stay locked until the migration commits */
  | 'rows';

export interface StatementLock {
  table: string | undefined;
  kind: LockKind;
  /** True when the lock lasts as long as a pass over the table (a scan or a rewrite). */
  scansTable: boolean;
  /** True when the table is written anew (a rewrite costs more than a scan). */
  rewritesTable: boolean;
  reason: string;
}

const name = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)`;
const tableName = String.raw`((?:${name}\.)?${name})`;
const unquote = (text: string) => text.split('.').map((part) => part.replace(/^"|"$/g, '').replace(/""/g, '"')).at(-1) ?? text;

const volatileDefault = /\bdefault\s+[^,]*\b(gen_random_uuid|uuid_generate_v\d|random|clock_timestamp|timeofday|nextval)\s*\(/i;

interface Rule { pattern: RegExp; lock: (sql: string) => Omit<StatementLock, 'table'> }

const rules: Rule[] = [
  { pattern: new RegExp(String.raw`^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?${tableName}`, 'i'), lock: () => instant('a new table') },
  { pattern: new RegExp(String.raw`^\s*create\s+(?:unique\s+)?index\s+concurrently\b.*?\bon\s+(?:only\s+)?${tableName}`, 'is'), lock: () => instant('built concurrently: writes go on') },
  {
    pattern: new RegExp(String.raw`^\s*create\s+(?:unique\s+)?index\b.*?\bon\s+(?:only\s+)?${tableName}`, 'is'),
    lock: () => ({ kind: 'writes', scansTable: true, rewritesTable: false, reason: 'CREATE INDEX blocks writes while it reads the table (use CREATE INDEX CONCURRENTLY)' }),
  },
  { pattern: new RegExp(String.raw`^\s*(?:drop|truncate)\s+table\s+(?:if\s+exists\s+)?${tableName}`, 'i'), lock: () => instant('dropped') },
  { pattern: new RegExp(String.raw`^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${tableName}`, 'i'), lock: alterTable },
  {
    pattern: new RegExp(String.raw`^\s*(?:update\s+(?:only\s+)?|delete\s+from\s+(?:only\s+)?)${tableName}`, 'i'),
    lock: (sql) => ({ kind: 'rows', scansTable: !/\bwhere\b/i.test(sql), rewritesTable: false, reason: /\bwhere\b/i.test(sql) ? 'rows it touches stay locked until commit' : 'every row stays locked until commit (backfill in batches, outside the migration)' }),
  },
];

function instant(reason: string): Omit<StatementLock, 'table'> {
  return { kind: 'instant', scansTable: false, rewritesTable: false, reason };
}

function alterTable(sql: string): Omit<StatementLock, 'table'> {
  if (/\balter\s+column\s+\S+\s+(?:set\s+data\s+)?type\b/i.test(sql)) {
    return { kind: 'all', scansTable: true, rewritesTable: true, reason: 'changing a column type rewrites the table under an exclusive lock (add a new column and backfill instead)' };
  }
  if (/\badd\s+column\b/i.test(sql) && volatileDefault.test(sql)) {
    return { kind: 'all', scansTable: true, rewritesTable: true, reason: 'a volatile default rewrites the table (add the column without it, then backfill)' };
  }
  if (/\bset\s+not\s+null\b/i.test(sql)) {
    return { kind: 'all', scansTable: true, rewritesTable: false, reason: 'SET NOT NULL reads the table under an exclusive lock (add a CHECK … NOT VALID, VALIDATE it, then SET NOT NULL)' };
  }
  if (/\badd\s+(?:constraint\s+\S+\s+)?(?:primary\s+key|unique)\b/i.test(sql) && !/\busing\s+index\b/i.test(sql)) {
    return { kind: 'all', scansTable: true, rewritesTable: false, reason: 'a new unique or primary key builds its index under an exclusive lock (build it CONCURRENTLY, then add it USING INDEX)' };
  }
  if (/\badd\s+(?:constraint\s+\S+\s+)?foreign\s+key\b/i.test(sql) && !/\bnot\s+valid\b/i.test(sql)) {
    return { kind: 'writes', scansTable: true, rewritesTable: false, reason: 'a foreign key is checked against every row while writes wait (add it NOT VALID, then VALIDATE CONSTRAINT)' };
  }
  if (/\badd\s+(?:constraint\s+\S+\s+)?check\b/i.test(sql) && !/\bnot\s+valid\b/i.test(sql)) {
    return { kind: 'all', scansTable: true, rewritesTable: false, reason: 'a CHECK constraint is checked against every row under an exclusive lock (add it NOT VALID, then VALIDATE CONSTRAINT)' };
  }
  return instant('a catalog change');
}

/** The lock a statement takes; statements the rules do not know are reported as instant with no table. */
export function statementLock(sql: string): StatementLock {
  for (const rule of rules) {
    const match = rule.pattern.exec(sql);
    if (match?.[1]) return { table: unquote(match[1]), ...rule.lock(sql) };
  }
  return { table: undefined, ...instant('not a table change') };
}

/** Bytes per millisecond a pass over a table is assumed to take: a scan, and a rewrite (with its indexes). */
export const assumedThroughput = { scanBytesPerMs: 100_000, rewriteBytesPerMs: 25_000 };

/** How long the lock is held, estimated from the table's size on disk; 0 for instant locks. */
export function estimatedLockMs(lock: StatementLock, tableBytes: number): number {
  if (!lock.scansTable) return 0;
  return Math.ceil(tableBytes / (lock.rewritesTable ? assumedThroughput.rewriteBytesPerMs : assumedThroughput.scanBytesPerMs));
}
