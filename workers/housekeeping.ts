import type { Context } from '../shared/context.js';
import { scheduleMaintenance } from './processors/maintenance.js';
import { relayInbox } from './processors/relay.js';

/**
 * Timers each worker process runs itself, independent of Redis's contents: the inbox relay, and
 * re-upserting the job schedulers (idempotent), because a Redis restart without persistence loses
 * both queued jobs and schedulers. Errors are logged and retried on the next tick.
 */
export function startHousekeeping(context: Context, options: { relayEveryMs?: number; schedulesEveryMs?: number; relayOlderThanSeconds?: number } = {}): () => void {
  const { logger } = context;
  let running = false;
  const relay = async () => {
    if (running) return;
    running = true;
    try {
      await relayInbox(context, { olderThanSeconds: options.relayOlderThanSeconds ?? 30 });
    } catch (error) {
      logger.warn('inbox relay failed; retrying on the next tick', { error });
    } finally {
      running = false;
    }
  };
  const reschedule = () => scheduleMaintenance(context).catch((error: unknown) => logger.warn('could not upsert job schedulers', { error }));
  const relayTimer = setInterval(() => void relay(), options.relayEveryMs ?? 15_000);
  const scheduleTimer = setInterval(() => void reschedule(), options.schedulesEveryMs ?? 60_000);
  relayTimer.unref();
  scheduleTimer.unref();
  void relay();
  return () => {
    clearInterval(relayTimer);
    clearInterval(scheduleTimer);
  };
}
