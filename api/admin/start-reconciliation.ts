import type { Context } from '../../shared/context.js';
import { writeAudit, type Actor } from '../../shared/audit.js';
import { requestReconciliation } from '../../shared/reconcile/request.js';

export interface ReconciliationParams { customer?: string | undefined; since?: string | undefined }

/**
 * An admin asks for a reconciliation run: the run is queued (triggered by `admin:<key id>`) and
 * `reconciliation.requested` audited. The JSON route and the console's button both call this.
 */
export async function startReconciliation(context: Pick<Context, 'db' | 'queues'>, params: ReconciliationParams, who: Actor): Promise<{ id: string }> {
  const { id } = await requestReconciliation(context, { trigger: who.actor.replace(/^key:/, 'admin:'), params });
  await writeAudit(context.db, who, { action: 'reconciliation.requested', subjectType: 'reconciliation_run', subjectId: id, after: params, reconciliationRunId: id });
  return { id };
}
