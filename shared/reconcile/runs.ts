import type { Db } from '../infra/db.js';

/**
 * Drift kinds. The first six are counted per subscription (`refund_differs`, `dispute_differs`: of
 * the charge paying its latest invoice); `balance_differs` per (customer, metered feature) whose
 * Redis balance is not the ledger's; `meter_missing` and `meter_over_billed` per (customer, Stripe
 * meter) whose closed windows Stripe holds less, or more, of than the ledger.
 */
export const driftKinds = ['missing_locally', 'status_differs', 'items_differ', 'only_locally', 'refund_differs', 'dispute_differs', 'balance_differs', 'meter_missing', 'meter_over_billed'] as const;
export type DriftKind = (typeof driftKinds)[number];
export type DriftCounts = Partial<Record<DriftKind, number>>;

export interface ReconciliationRun {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  trigger: string;
  params: Record<string, unknown>;
  checked: number;
  drifted: number;
  repaired: number;
  errors: number;
  drift: DriftCounts;
  /** Drifted customers not repaired yet (a transient failure), each with its count of drifted subscriptions; the run keeps repairing them. */
  unrepaired: Record<string, number>;
  cursor: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
}

export async function loadRun(db: Db, id: string): Promise<ReconciliationRun | undefined> {
  return db('reconciliation_runs').where({ id }).first<ReconciliationRun | undefined>();
}

export const isFinished = (run: Pick<ReconciliationRun, 'status'>): boolean => run.status === 'succeeded' || run.status === 'failed';
