import type { ExecutionContext } from 'ava';
import { start as startApi, type ApiProcess } from '../../api/main.js';
import type { Config } from '../../shared/infra/config.js';
import { start as startWorker, type WorkerProcess } from '../../workers/main.js';
import { testConfig } from './config.js';
import { createTestDatabase } from './database.js';

export interface TestServices {
  config: Config;
  api: ApiProcess;
  url: string;
  worker?: WorkerProcess;
}

/**
 * An api (and optionally a worker) on a database and Redis prefix of their own, torn down when
 * the test ends.
 */
export async function startServices(t: ExecutionContext, options: { worker?: boolean; env?: Record<string, string> } = {}): Promise<TestServices> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, options.env);
  const api = await startApi(config, { silentLogs: true });
  const worker = options.worker ? await startWorker(config, { silentLogs: true, metricsPort: 0 }) : undefined;
  t.teardown(async () => {
    await worker?.stop();
    await api.stop();
    await database.drop();
  });
  return { config, api, url: `http://127.0.0.1:${api.port}`, ...(worker && { worker }) };
}
