import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What travels with a request or a job: log lines and Stripe calls carry the correlation id. */
export interface Correlation {
  correlationId: string;
  requestId?: string;
  jobId?: string;
  queue?: string;
}

const storage = new AsyncLocalStorage<Correlation>();

export function currentCorrelation(): Correlation | undefined {
  return storage.getStore();
}

export function withCorrelation<T>(correlation: Correlation, fn: () => T): T {
  return storage.run(correlation, fn);
}

export function newCorrelationId(): string {
  return randomUUID();
}
