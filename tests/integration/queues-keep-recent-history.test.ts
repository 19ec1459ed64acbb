import test from 'ava';
import { QueueEvents, Worker } from 'bullmq';
import { closeQueues, completedJobHistory, openQueues } from '../../shared/infra/queues.js';
import { createRedis } from '../../shared/infra/redis.js';
import { testConfig } from '../support/config.js';
import { testEnvironment } from '../support/environment.js';

test('completed jobs stay for a look back in Bull Board, bounded by age and count', async (t) => {
  const config = testConfig(testEnvironment.databaseUrl);
  const connection = createRedis(config, 'producer', 'history-test');
  const queues = openQueues(config, connection);
  const options = { prefix: config.REDIS_PREFIX };
  // BullMQ leaves connections it was given open: each is closed here, or the test process never exits.
  const eventsConnection = createRedis(config, 'worker', 'history-events');
  const workerConnection = createRedis(config, 'worker', 'history-worker');
  const events = new QueueEvents(queues.maintenance.name, { ...options, connection: eventsConnection });
  const worker = new Worker(queues.maintenance.name, () => Promise.resolve('done'), { ...options, connection: workerConnection });
  t.teardown(async () => {
    await worker.close();
    await events.close();
    await closeQueues(queues);
    for (const redis of [connection, eventsConnection, workerConnection]) redis.disconnect();
  });
  await events.waitUntilReady();
  const jobs = await Promise.all([1, 2, 3].map((n) => queues.maintenance.add('noop', { n })));
  await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
  t.is(await queues.maintenance.getCompletedCount(), 3, 'kept after completion');
  t.deepEqual(jobs[0]?.opts.removeOnComplete, completedJobHistory);
  t.deepEqual(completedJobHistory, { age: 3600, count: 1000 });
});
