import type { Response } from 'express';
import type { Knex } from 'knex';
import type { AdminActor } from '../../shared/grants/grant-rows.js';
import { authenticatedKey } from '../middleware/authenticate.js';

/** The actor of an admin request: `key:<id>` of the authenticating key and the request id. */
export function adminActor(res: Response): AdminActor {
  return { actor: `key:${authenticatedKey(res).id}`, requestId: res.locals.requestId as string | undefined };
}

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  customerId?: string | null;
  before?: unknown;
  after?: unknown;
  eventId?: string;
  reconciliationRunId?: string;
  reason?: string;
}

/** One audit row for an admin write (grant writes audit themselves in `shared/grants`). */
export async function writeAudit(db: Knex | Knex.Transaction, who: AdminActor, entry: AuditEntry): Promise<void> {
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
    reconciliation_run_id: entry.reconciliationRunId ?? null,
    reason: entry.reason ?? null,
  });
}
