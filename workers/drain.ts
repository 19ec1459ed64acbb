import type { Job } from 'bullmq';
import { closeRedis } from '../shared/infra/redis.js';
import type { RunningWorker } from './runner.js';

/**
 * Stops every worker without losing or repeating a finished job.
 *
 * Policy: no new job is taken; running jobs finish until `deadline` (epoch ms). A job still
 * running then is released: moved back to waiting under its own lock, so another worker takes it
 * at once (rather than after JOB_LOCK_MS, as a stalled job would be), and counted nowhere as done
 * or failed. Its processor stops with this process; processing is idempotent, so the next run
 * starts over safely.
 */
export async function drainWorkers(workers: RunningWorker[], deadline: number): Promise<void> {
  await Promise.allSettled(workers.map(async (running) => {
    const closed = running.worker.close();
    const finished = await Promise.race([closed.then(() => true), delay(Math.max(0, deadline - Date.now())).then(() => false)]);
    if (!finished) {
      await releaseActive(running.active);
      await running.worker.close(true);
    }
    await closeRedis(running.connection);
  }));
}

async function releaseActive(active: Set<Job>): Promise<void> {
  await Promise.allSettled([...active].map((job) => job.moveToWait(job.token)));
  active.clear();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
