import { once } from 'node:events';
import test from 'ava';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { childEnv, eventually, freePort, startScript } from '../support/processes.js';


for (const [script, portKey] of [['api/main.ts', 'PORT'], ['workers/main.ts', 'METRICS_PORT']] as const) {
  test(`${script} drains and exits 0 on SIGTERM`, async (t) => {
    const database = await createTestDatabase();
    t.teardown(database.drop);
    const port = await freePort();
    const env = childEnv({ ...testConfig(database.url), [portKey]: port, LOG_LEVEL: 'info', LOG_FILE: undefined, SHUTDOWN_TIMEOUT_MS: 5000 });
    const { child, output } = startScript(script, env);
    t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    t.is(code, 0, output());
    t.regex(output(), /"message":"(api|worker) stopped"/);
    await t.throwsAsync(fetch(`http://127.0.0.1:${port}/healthz`), undefined, 'the port is closed');
  });
}
