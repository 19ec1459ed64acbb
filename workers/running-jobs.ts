import type { Job } from 'bullmq';

/**
 * Wraps a BullMQ processor so that `running` holds the jobs it is in the middle of. Worker events
 * cannot say this: a job moved to delayed (DelayedError) or back by a rate limit emits neither
 * `completed` nor `failed`.
 */
export function trackRunning<T>(running: Set<Job>, processor: (job: Job, token?: string) => Promise<T>): (job: Job, token?: string) => Promise<T> {
  return async (job, token) => {
    running.add(job);
    try {
      return await processor(job, token);
    } finally {
      running.delete(job);
    }
  };
}
