import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Context } from '../shared/context.js';
import { withCorrelation } from '../shared/infra/correlation.js';
import { PermanentError } from '../shared/errors.js';
import { hasJobSchema, jobDataProblem } from '../shared/job-data.js';
import type { ConsumedQueue, QueueJobs } from '../shared/queue-jobs.js';
import { consumedShards, queueNames, shardedQueues, shardPrefix } from '../shared/infra/queues.js';
import { createRedis, type Redis } from '../shared/infra/redis.js';
import { askedWaitMs, backoffDelayMs, decideJobFailure, isTransient, jobRetryPolicy } from '../shared/retry-policy.js';
import { trackRunning } from './running-jobs.js';

/** Data every job may carry: the correlation id of the request or job that caused it. */
export interface JobData { correlationId?: string }

/** A job of a queue whose job map is `Jobs` (name → data): checking its name narrows its data. */
export type JobOf<Jobs> = { [Name in keyof Jobs & string]: Job<Jobs[Name], unknown, Name> }[keyof Jobs & string];

/** One handler per job name of a queue: a table missing a name does not compile. */
export type JobHandlers<Jobs> = { [Name in keyof Jobs & string]: (context: Context, job: Job<Jobs[Name], unknown, Name>) => Promise<unknown> };

export interface QueueProcessor<Jobs> {
  /** Runs one job; throw to fail it (classified transient or permanent by {@link isTransient}). */
  run: (context: Context, job: JobOf<Jobs>) => Promise<unknown>;
  /** Called after an attempt failed and another will follow. */
  onFailedAttempt?: (context: Context, job: JobOf<Jobs>, error: Error) => Promise<void>;
  /** Called once a job has failed for good (last attempt, or permanent), before it is dead-lettered. */
  onDead?: (context: Context, job: JobOf<Jobs>, error: Error) => Promise<void>;
  /** Jobs at once in this process; defaults to WORKER_CONCURRENCY. */
  concurrency?: number;
}

/** Which processor runs each consumed queue: every one has one (shared/queue-jobs.ts lists their jobs). */
export type ProcessorTable = { [Queue in ConsumedQueue]: QueueProcessor<QueueJobs[Queue]> };

/** What the runner sees of a processor: BullMQ hands it jobs of any name and data. */
type AnyProcessor = QueueProcessor<Record<string, unknown>>;

/**
 * Runs each job by its name from a complete handler table. A name the table lacks (a job added
 * by hand) fails permanently.
 */
export function byJobName<Jobs>(queue: ConsumedQueue, handlers: JobHandlers<Jobs>): QueueProcessor<Jobs>['run'] {
  return async (context, job) => {
    if (!Object.hasOwn(handlers, job.name)) throw new PermanentError(`the ${queue} queue has no job named ${job.name}`, 'unknown_job');
    return handlers[job.name](context, job);
  };
}

/**
 * One BullMQ worker per queue that has a processor. The runner owns the policy shared by every
 * queue: correlation ids in logs, metrics per job, permanent errors become `UnrecoverableError`,
 * and a job that failed for good is parked in the dead-letter queue.
 */
export interface RunningWorker {
  worker: Worker;
  connection: Redis;
  /** The jobs this worker is running now (a stop releases those that outlast it). */
  active: Set<Job>;
}

/**
 * The (queue, shard) pairs this process consumes: a sharded queue (events, sync, webhooks) in
 * every consumed shard, the other queues along with shard 0 (they have no other shard).
 */
function consumed(context: Pick<Context, 'config'>, table: ProcessorTable): { key: ConsumedQueue; shard: number }[] {
  const shards = consumedShards(context.config);
  return (Object.keys(table) as ConsumedQueue[]).flatMap((key) => {
    const own = (shardedQueues as readonly string[]).includes(key) ? shards : shards.filter((shard) => shard === 0);
    return own.map((shard) => ({ key, shard }));
  });
}

export function startWorkers(context: Context, table: ProcessorTable): RunningWorker[] {
  const { config, logger, metrics } = context;
  const policy = jobRetryPolicy(config);
  return consumed(context, table).map(({ key, shard }) => {
    // Job data is checked against the queue's schema below (shared/job-data.ts) before a handler sees it.
    const processor = table[key] as unknown as AnyProcessor;
    const name = queueNames[key];
    const connection = createRedis(config, 'worker', shard === 0 ? `billing-worker-${name}` : `billing-worker-${name}-q${shard}`);
    // Policy: a job whose data its processor cannot run fails permanently and is parked at once,
    // without the processor's hooks (they would need the very data that is missing).
    const checked = hasJobSchema(name);
    const hooksFor = (job: Job): AnyProcessor => (checked && jobDataProblem(name, job.name, job.data) ? { run: processor.run } : processor);
    /**
     * Past its attempts, a job whose failure is still transient is not failed: it is moved back to
     * delayed at the capped backoff (its attempt count unchanged) until the retry horizon, so an
     * outage of Stripe or Postgres delays it and never dead-letters it.
     */
    const retryBeyondAttempts = async (job: Job, token: string | undefined, error: Error): Promise<boolean> => {
      // The job's own attempts count, not the default: a job added with fewer still retries past them.
      const decision = decideJobFailure({ transient: true, attemptsMade: job.attemptsMade + 1, createdAt: job.timestamp, now: Date.now() }, { ...policy, attempts: job.opts.attempts ?? policy.attempts });
      if (decision.kind !== 'retry' || !decision.beyondAttempts) return false;
      await job.moveToDelayed(Date.now() + Math.max(decision.delayMs, askedWaitMs(error) ?? 0), token);
      metrics.jobRetriesBeyondAttempts.inc({ queue: name });
      await processor.onFailedAttempt?.(context, job, error).catch((hookError: unknown) => logger.warn('failed-attempt hook failed', { queue: name, error: hookError }));
      return true;
    };
    const active = new Set<Job>();
    const worker = new Worker(
      name,
      trackRunning(active, async (job: Job, token?: string) => {
        const data = job.data as JobData;
        const correlation = { correlationId: data.correlationId ?? String(job.id), jobId: String(job.id), queue: name };
        return withCorrelation(correlation, async () => {
          const started = process.hrtime.bigint();
          const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
          try {
            const problem = checked ? jobDataProblem(name, job.name, job.data) : undefined;
            if (problem) throw new PermanentError(problem, 'invalid_job_data');
            const result = await processor.run(context, job);
            metrics.jobDuration.observe({ queue: name, processor: job.name, outcome: 'completed' }, seconds());
            logger.info('job completed', { job: job.name, attempt: job.attemptsMade + 1, durationMs: Math.round(seconds() * 1000) });
            return result;
          } catch (error) {
            const transient = isTransient(error);
            metrics.jobDuration.observe({ queue: name, processor: job.name, outcome: 'failed' }, seconds());
            metrics.jobFailures.inc({ queue: name, processor: job.name, kind: transient ? 'transient' : 'permanent' });
            logger.warn('job failed', { job: job.name, attempt: job.attemptsMade + 1, transient, error });
            if (!transient) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
            const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
            if (lastAttempt && error instanceof Error && await retryBeyondAttempts(job, token, error)) throw new DelayedError();
            throw error;
          }
        });
      }),
      {
        connection,
        prefix: shardPrefix(config.REDIS_PREFIX, shard),
        concurrency: processor.concurrency ?? config.WORKER_CONCURRENCY,
        autorun: true,
        // A killed worker's job is picked up again once its lock lapses; twice, so one crash during
        // recovery does not fail it.
        lockDuration: config.JOB_LOCK_MS,
        stalledInterval: config.JOB_LOCK_MS,
        maxStalledCount: 2,
        settings: {
          // Jobs name the capped backoff (shared/retry-policy.ts): capped exponential with jitter; a wait
          // Stripe asked for (Retry-After) is never cut short.
          backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
            Math.max(backoffDelayMs(attemptsMade, policy.backoff), askedWaitMs(error) ?? 0),
        },
      },
    );
    worker.on('failed', (job, error) => {
      if (!job) return;
      const exhausted = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!exhausted) {
        void hooksFor(job).onFailedAttempt?.(context, job, error).catch((hookError: unknown) => logger.warn('failed-attempt hook failed', { queue: name, error: hookError }));
        return;
      }
      void parkDeadLetter(context, name, job, error, hooksFor(job)).catch((parkError: unknown) => {
        logger.error('could not park a dead letter', { queue: name, jobId: job.id, error: parkError });
      });
    });
    worker.on('error', (error) => logger.error('worker error', { queue: name, error }));
    return { worker, connection, active };
  });
}

/**
 * Parks a job that failed for good: first the dead-letter entry (Redis, where the failed job
 * itself lives), then the processor's own bookkeeping (the inbox row becomes `dead`). If Postgres
 * is down at that moment the entry still exists, and the relay marks the row dead once Postgres is
 * back (it finds the event's job failed), so a failure never stays invisible.
 */
async function parkDeadLetter(context: Context, queue: string, job: Job, error: Error, processor: AnyProcessor): Promise<void> {
  // The failed job itself stays in its queue's failed set (kept, never trimmed) and is retried from
  // there; the dead-letter queue is the index ops look at, one entry per job.
  await context.queues.deadLetter.add(
    'dead-letter',
    { queue, jobId: job.id, name: job.name, data: job.data as unknown, error: error.message, failedAt: new Date().toISOString() },
    { jobId: `${queue}-${job.id}-${job.attemptsMade}`, removeOnComplete: false, attempts: 1 },
  );
  context.metrics.deadLetters.inc({ queue });
  context.logger.error('job dead-lettered', { queue, jobId: job.id, job: job.name, error: error.message });
  await processor.onDead?.(context, job, error);
}
