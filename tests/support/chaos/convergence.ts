import type { StoredEntitlement } from '../../../shared/entitlements/stored-entitlement.js';
import type { ChaosStack } from './stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unfinished = ['received', 'queued', 'failed'];
const busyStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * Runs the events catch-up through the reconcile queue, as its job scheduler would, and waits for
 * the worker to finish it. Returns what it found: events listed, and those the inbox lacked.
 */
export async function runCatchUp(stack: ChaosStack, timeoutMs: number): Promise<{ listed: number; recorded: number; waitedMs: number; ranMs: number }> {
  // The queue's default attempts and backoff, as the scheduler's catch-up jobs have.
  const job = await stack.queues.reconcile.add('catch-up', {}, { jobId: `chaos-catch-up-${Date.now()}`, removeOnComplete: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await job.getState();
    if (state === 'completed') break;
    if (state === 'failed') throw new Error(`catch-up failed: ${(await stack.queues.reconcile.getJob(job.id!))?.failedReason ?? '?'}`);
    if (Date.now() > deadline) throw new Error(`catch-up did not finish within ${timeoutMs} ms (state ${state})`);
    await sleep(100);
  }
  const done = await stack.queues.reconcile.getJob(job.id!);
  const result = done?.returnvalue as { status: string; listed?: number; recorded?: number } | undefined;
  if (result?.status !== 'done') throw new Error(`catch-up was ${result?.status ?? 'lost'}`);
  const processedOn = done?.processedOn ?? job.timestamp;
  return { listed: result.listed ?? 0, recorded: result.recorded ?? 0, waitedMs: processedOn - job.timestamp, ranMs: (done?.finishedOn ?? processedOn) - processedOn };
}

/** Inbox rows not finished, and jobs still waiting, running or scheduled in the events and sync queues. */
export async function outstandingWork(stack: ChaosStack): Promise<{ inbox: number; jobs: number }> {
  const [{ n }] = await stack.db('stripe_events').whereIn('status', unfinished).count<{ n: number }[]>({ n: '*' });
  let jobs = 0;
  for (const queue of [stack.queues.events, stack.queues.sync]) {
    const counts = await queue.getJobCounts(...busyStates);
    jobs += busyStates.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
  }
  return { inbox: Number(n), jobs };
}

/** Waits until nothing is outstanding (true), or gives up after `timeoutMs` (false). */
export async function quiesce(stack: ChaosStack, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { inbox, jobs } = await outstandingWork(stack);
    if (inbox === 0 && jobs === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

export interface InboxFigures {
  rows: number;
  byStatus: Record<string, number>;
  /** Simulator events the inbox never recorded (after catch-up this must be none). */
  missing: string[];
  deadLetters: number;
  /** Jobs left in the failed set of the events, sync and reconcile queues. */
  failedJobs: number;
}

export async function inboxFigures(stack: ChaosStack): Promise<InboxFigures> {
  const rows = await stack.db('stripe_events').select<{ id: string; status: string }[]>('id', 'status');
  const byStatus: Record<string, number> = {};
  for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  const recorded = new Set(rows.map((row) => row.id));
  const missing = [...stack.sim.state.events.keys()].filter((id) => !recorded.has(id));
  const deadLetters = (await stack.queues.deadLetter.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')) as Record<string, number>;
  let failedJobs = 0;
  for (const queue of [stack.queues.events, stack.queues.sync, stack.queues.reconcile]) failedJobs += await queue.getFailedCount();
  return { rows: rows.length, byStatus, missing, deadLetters: Object.values(deadLetters).reduce((sum, n) => sum + n, 0), failedJobs };
}

/** Stored (materialised) entitlements by Stripe customer id; a customer never synced has none. */
export async function storedEntitlements(stack: ChaosStack): Promise<Map<string, StoredEntitlement[]>> {
  const rows = await stack.db('customers as c').join('entitlements as e', 'e.customer_id', 'c.id')
    .select<{ stripe_customer_id: string; features: StoredEntitlement[] }[]>('c.stripe_customer_id', 'e.features');
  return new Map(rows.map((row) => [row.stripe_customer_id, row.features]));
}

/** What an app reading through the api (memory and Redis tiers included) is told. */
export async function servedEntitlements(stack: ChaosStack, customer: string): Promise<StoredEntitlement[] | undefined> {
  const response = await fetch(`${stack.apiUrl}/v1/customers/${customer}/entitlements`, { headers: { authorization: `Bearer ${stack.readKey}` } });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { customer: unknown; entitlements: StoredEntitlement[] };
  return body.customer === null ? undefined : body.entitlements;
}
