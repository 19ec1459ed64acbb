import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import { createKey, type KeyScope } from '../../shared/api-keys.js';
import type { Config } from '../../shared/infra/config.js';
import type { Db } from '../../shared/infra/db.js';
import { closeRedis, createRedis } from '../../shared/infra/redis.js';

/** Helpers for the admin tests: keys, customers and inbox rows seeded straight into the test's database. */

export async function adminKey(db: Db, options: { scope?: KeyScope; readOnly?: boolean } = {}): Promise<{ key: string; id: string }> {
  const { key, record } = await createKey(db, { name: 'test-admin', scope: options.scope ?? 'admin', readOnly: options.readOnly ?? false });
  return { key, id: record.id };
}

export interface Call { method?: string; key?: string | undefined; body?: unknown; headers?: Record<string, string> }

/** A JSON request to the api; a JSON response body parsed, any other as text (or null when empty). */
export async function call<T = Record<string, unknown>>(baseUrl: string, path: string, options: Call = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.key !== undefined && { authorization: `Bearer ${options.key}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, body: (json && text ? JSON.parse(text) : text || null) as T, headers: response.headers };
}

export async function seedCustomer(db: Db): Promise<{ id: string; stripeId: string; userId: string }> {
  const suffix = randomBytes(5).toString('hex');
  const [row] = await db('customers').insert({ stripe_customer_id: `cus_${suffix}`, user_id: `user_${suffix}` }).returning<{ id: string }[]>('id');
  return { id: row.id, stripeId: `cus_${suffix}`, userId: `user_${suffix}` };
}

export async function seedEvent(db: Db, fields: Record<string, unknown> = {}): Promise<string> {
  const id = `evt_${randomBytes(8).toString('hex')}`;
  await db('stripe_events').insert({ id, type: 'invoice.paid', payload: JSON.stringify({ id }), status: 'dead', attempts: 3, last_error: 'boom', ...fields });
  return id;
}

export const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

/**
 * Leaves jobs in the failed state of one of the service's queues: adds them, lets a throwaway
 * worker fail each permanently, and stops that worker (so nothing else picks them up).
 */
export async function failedJobs(config: Config, queue: Queue, ids: string[]): Promise<void> {
  const connection = createRedis(config, 'worker', 'test-failing-worker');
  const worker = new Worker(queue.name, () => Promise.reject(new UnrecoverableError('permanently broken')), { connection, prefix: config.REDIS_PREFIX, autorun: false });
  const pending = new Set(ids);
  const done = new Promise<void>((resolve) => {
    worker.on('failed', (job) => {
      if (job?.id) pending.delete(job.id);
      if (pending.size === 0) resolve();
    });
  });
  for (const id of ids) await queue.add('test-job', { id }, { jobId: id });
  void worker.run();
  await done;
  await worker.close();
  await closeRedis(connection);
}
