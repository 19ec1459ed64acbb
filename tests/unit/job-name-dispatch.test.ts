import test from 'ava';
import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import type { MaintenanceJobs } from '../../shared/queue-jobs.js';
import { byJobName, type JobOf } from '../../workers/runner.js';

const context = {} as Context;
const job = (name: string, data: object = {}) => ({ name, data }) as unknown as JobOf<MaintenanceJobs>;

const run = byJobName<MaintenanceJobs>('maintenance', {
  'prune-inbox': (_context, pruning: Job<MaintenanceJobs['prune-inbox'], unknown, 'prune-inbox'>) => Promise.resolve(`pruned for ${pruning.data.correlationId ?? 'schedule'}`),
  'sweep-grant-expiry': () => Promise.resolve({ recorded: 2 }),
});

test('each job runs the handler of its own name, with its data', async (t) => {
  t.is(await run(context, job('prune-inbox', { correlationId: 'req_1' })), 'pruned for req_1');
  t.deepEqual(await run(context, job('sweep-grant-expiry')), { recorded: 2 });
});

test('a job name the table lacks (added by hand) fails permanently, naming the queue and the job', async (t) => {
  const error = await t.throwsAsync(async () => run(context, job('relay-inbox')), { instanceOf: PermanentError });
  t.is(error.code, 'unknown_job');
  t.is(error.message, 'the maintenance queue has no job named relay-inbox');
});

test('names inherited from Object.prototype are not handlers', async (t) => {
  await t.throwsAsync(async () => run(context, job('toString')), { instanceOf: PermanentError });
});
