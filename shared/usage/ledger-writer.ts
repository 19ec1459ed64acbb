import type { Db } from '../infra/db.js';

/** One usage_ledger row as the service writes it. */
export interface LedgerRow {
  customer_id: string;
  feature: string;
  kind: 'consume' | 'commit' | 'adjust';
  amount: number;
  idempotency_key: string;
  request_hash: string;
  response: unknown;
  reservation_id?: string | null;
  reason?: string | null;
  actor?: string | null;
  properties?: Record<string, unknown>;
  occurred_at: Date;
  period_start: Date;
  period_end: Date | null;
}

interface Waiting { row: LedgerRow; resolve: (inserted: boolean) => void; reject: (error: unknown) => void }

/** The columns of a row in insert form (JSON columns as text). */
export function insertable(row: LedgerRow): Record<string, unknown> {
  return { ...row, response: JSON.stringify(row.response), properties: JSON.stringify(row.properties ?? {}) };
}

/**
 * The only writer of consumption rows (group commit). A request's row is inserted at once when no
 * insert is running; rows arriving meanwhile wait and go together in the next statement, so
 * Postgres sees one insert per round trip however many requests arrive. `write` resolves after
 * the statement committed: true when the row is new, false when its (customer, idempotency key)
 * was already in the ledger (nothing written); it rejects when the insert failed.
 */
export class LedgerWriter {
  private queue: Waiting[] = [];
  private running = false;

  constructor(private readonly db: Db, private readonly maxBatch = 500) {}

  write(row: LedgerRow): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.insert(batch);
    }
    this.running = false;
  }

  private async insert(batch: Waiting[]): Promise<void> {
    // Two rows of one key in a batch (a retry racing a Redis loss): the first is written, the other is its duplicate.
    const keyOf = (row: { customer_id: string; idempotency_key: string }) => `${row.customer_id}\u0000${row.idempotency_key}`;
    const first = new Map<string, Waiting>();
    for (const waiting of batch) if (!first.has(keyOf(waiting.row))) first.set(keyOf(waiting.row), waiting);
    try {
      const written = await this.db('usage_ledger')
        .insert([...first.values()].map((waiting) => insertable(waiting.row)))
        .onConflict(['customer_id', 'idempotency_key'])
        .ignore()
        .returning<{ customer_id: string; idempotency_key: string }[]>(['customer_id', 'idempotency_key']);
      const inserted = new Set(written.map(keyOf));
      for (const waiting of batch) waiting.resolve(first.get(keyOf(waiting.row)) === waiting && inserted.has(keyOf(waiting.row)));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
