import http from 'node:http';
import path from 'node:path';
import test from 'ava';
import { createKey } from '../../shared/api-keys.js';
import { createDb } from '../../shared/infra/db.js';
import { catalogFile } from '../support/catalog.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { childEnv, eventually, freePort, projectRoot, startScript } from '../support/processes.js';

/** The young-generation GCs (scavenges) a `--trace-gc-nvp` output shows between its two marks. */
function scavengesBetweenMarks(output: string): { count: number; promoted: number; pauseMs: number[] } {
  const [, between = ''] = output.split('young-gc-mark');
  const lines = between.split('\n').filter((line) => / gc=s /.test(line));
  const field = (line: string, name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? Number.NaN);
  return { count: lines.length, promoted: lines.reduce((sum, line) => sum + field(line, 'promoted'), 0), pauseMs: lines.map((line) => field(line, 'pause')) };
}

/**
 * A request must not outlive its answer in the api's memory: whatever keeps one reachable (or
 * reachable from garbage the young-generation GC cannot tell is garbage, such as a long-lived
 * Set's discarded hash tables, or an ioredis pipeline's own accessor) is copied by every scavenge
 * and promoted, and each request in flight waits for those copies. Measured on the consume path
 * (auth, entitlement lookup, admission through the auto-pipelined balance connection, group-
 * committed ledger row): what the scavenges of 3,000 consumes promote, per consume. It was
 * 4.4–4.9 kB before the fixes (responses tracked in one Set, the pipeline accessor), 9–13 B after.
 */
test('consumes leave nothing behind for the young-generation GC to promote', async (t) => {
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const config = testConfig(database.url);
  const db = createDb({ url: database.url, poolMax: 2 });
  t.teardown(() => db.destroy());
  const [customer] = await db('customers').insert({ stripe_customer_id: 'cus_younggc', user_id: 'user_younggc' }).returning<{ id: string }[]>('id');
  if (!customer) throw new Error('customer insert returned no row');
  const features = [{ feature: 'api_calls', value: 1_000_000, sources: [{ kind: 'grant', id: 'b0d7c0de-0000-4000-8000-000000000003' }], expires_at: null }];
  await db('entitlements').insert({ customer_id: customer.id, features: JSON.stringify(features), next_change_at: null, computed_at: new Date() });
  const { key } = await createKey(db, { name: 'young-gc', scope: 'write' });

  const port = await freePort();
  const env = childEnv({
    ...config, PORT: port, LOG_LEVEL: 'warn', LOG_FILE: undefined,
    CATALOG_FILE: catalogFile({ features: { api_calls: { metered: true, reset: 'month', overage: 'reject' } }, plans: [] }),
    NODE_OPTIONS: `--import=${path.join(projectRoot, 'tests/support/young-gc-trace.mjs')}`,
  });
  const { child, output } = startScript('api/main.ts', env);
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  t.teardown(() => agent.destroy());
  const post = (body: string) => new Promise<number>((resolve, reject) => {
    const request = http.request(`http://127.0.0.1:${port}/v1/customers/cus_younggc/usage`, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
  let sequence = 0;
  const consumeMany = async (count: number, lanes = 20) => {
    let statuses = 0;
    const end = sequence + count;
    await Promise.all(Array.from({ length: lanes }, async () => {
      while (sequence < end) {
        sequence += 1;
        const status = await post(JSON.stringify({ feature: 'api_calls', amount: 1, idempotency_key: `young-gc-${sequence}` }));
        if (status === 200) statuses += 1;
      }
    }));
    return statuses;
  };
  // Warm-up: compiled code, type feedback, caches and pools are built once and legitimately promoted,
  // and the young generation grows to its working size (the first few thousand requests).
  t.is(await consumeMany(8000), 8000);
  child.kill('SIGUSR2');
  const measured = 3000;
  t.is(await consumeMany(measured), measured);
  child.kill('SIGUSR2');
  await eventually(() => Promise.resolve(output().split('young-gc-mark').length >= 3), 10_000);

  const scavenges = scavengesBetweenMarks(output());
  t.log(`${scavenges.count} scavenges over ${measured} consumes: ${scavenges.promoted} bytes promoted (${(scavenges.promoted / measured).toFixed(1)} per consume), pauses ${scavenges.pauseMs.join(', ')} ms`);
  t.true(scavenges.count >= 2, `3,000 consumes allocate enough for at least 2 scavenges (saw ${scavenges.count})`);
  t.true(scavenges.promoted / measured < 1000, `promoted per consume: ${(scavenges.promoted / measured).toFixed(0)} bytes`);
});
