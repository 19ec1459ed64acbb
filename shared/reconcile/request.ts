import type { Context } from '../context.js';
import { currentCorrelation } from '../infra/correlation.js';
import { badRequest, notFound } from '../errors.js';
import { reconcileParams, type ReconcileParams, type ReconcileTrigger } from './params.js';

/** Job data of a `reconcile` job; scheduled jobs start without a run id and get one on first run. */
export interface ReconcileJobData { runId?: string; correlationId?: string }

export interface ReconcileRequest {
  trigger: ReconcileTrigger;
  /** `customer` may be a Stripe customer id or an app user id; `since` an ISO date or date-time. */
  params?: { customer?: string | undefined; since?: string | Date | undefined };
}

/** A user id becomes its Stripe customer id; a `cus_…` id is taken as is (it may not be mirrored yet). */
async function resolveCustomer(context: Pick<Context, 'db'>, ref: string): Promise<string> {
  if (/^cus_\w+$/.test(ref)) return ref;
  const row = await context.db('customers').where({ user_id: ref }).whereNotNull('stripe_customer_id').first<{ stripe_customer_id: string } | undefined>('stripe_customer_id');
  if (!row) throw notFound('customer_not_found', `no customer with user id ${ref} is linked to Stripe`);
  return row.stripe_customer_id;
}

function parseSince(since: string | Date): string {
  const date = since instanceof Date ? since : new Date(since);
  if (Number.isNaN(date.getTime())) throw badRequest('invalid_since', `since must be a date or date-time, got ${String(since)}`);
  if (date.getTime() > Date.now()) throw badRequest('invalid_since', 'since is in the future');
  return date.toISOString();
}

/**
 * Creates a `reconciliation_runs` row (status queued) and enqueues its job (job id = run id, so
 * one run is never queued twice). The api's admin route and the CLI call this; a worker runs it.
 */
export async function requestReconciliation(context: Pick<Context, 'db' | 'queues'>, request: ReconcileRequest): Promise<{ id: string }> {
  const raw = request.params ?? {};
  const params: ReconcileParams = reconcileParams.parse({
    ...(raw.customer && { customer: await resolveCustomer(context, raw.customer.trim()) }),
    ...(raw.since && { since: parseSince(raw.since) }),
  });
  const [{ id }] = await context.db('reconciliation_runs')
    .insert({ trigger: request.trigger, params: JSON.stringify(params), status: 'queued' })
    .returning<{ id: string }[]>('id');
  const correlationId = currentCorrelation()?.correlationId;
  const data: ReconcileJobData = { runId: id, ...(correlationId && { correlationId }) };
  try {
    await context.queues.reconcile.add('reconcile', data, { jobId: `reconcile-${id}` });
  } catch (error) {
    // A run that was never queued must not look queued forever.
    await context.db('reconciliation_runs').where({ id }).update({ status: 'failed', error: `could not be queued: ${error instanceof Error ? error.message : String(error)}`, finished_at: context.db.fn.now() });
    throw error;
  }
  return { id };
}
