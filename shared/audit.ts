import type { Knex } from 'knex';

/** Who changed something, for the audit trail: `key:<id>`, `worker`, `system`…, plus the request that did it. */
export interface Actor { actor: string; requestId: string | undefined }

/** The service itself (a sweep, a schedule), with no request behind it. */
export const systemActor: Actor = { actor: 'system', requestId: undefined };

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  customerId?: string | null;
  before?: unknown;
  after?: unknown;
  eventId?: string;
  grantId?: string;
  reconciliationRunId?: string;
  reason?: string;
}

/**
 * The one writer of `audit_log` rows (the recompute statement adds its `entitlements.changed` row
 * in the same statement as the change). Called inside the transaction of the change it records.
 */
export async function writeAudit(db: Knex | Knex.Transaction, who: Actor, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    actor: who.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    customer_id: entry.customerId ?? null,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    request_id: who.requestId ?? null,
    event_id: entry.eventId ?? null,
    grant_id: entry.grantId ?? null,
    reconciliation_run_id: entry.reconciliationRunId ?? null,
    reason: entry.reason ?? null,
  });
}
