import test from 'ava';
import { start } from '../../api/main.js';
import { testConfig } from '../support/config.js';
import { startServices } from '../support/services.js';

test('healthz and readyz answer 200 when Postgres and Redis are reachable', async (t) => {
  const { url } = await startServices(t);
  const health = await fetch(`${url}/healthz`);
  t.is(health.status, 200);
  t.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${url}/readyz`);
  t.is(ready.status, 200);
  t.deepEqual(await ready.json(), { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
});

test('readyz is 503 and names Postgres as down, without the reason, when Postgres is unreachable', async (t) => {
  const api = await start(testConfig('postgres://postgres@127.0.0.1:1/none'), { silentLogs: true });
  t.teardown(api.stop);
  const response = await fetch(`http://127.0.0.1:${api.port}/readyz`);
  t.is(response.status, 503);
  const body = (await response.json()) as { status: string; checks: Record<string, string> };
  t.is(body.status, 'unavailable');
  t.deepEqual(body.checks, { postgres: 'down', redis: 'ok' });
  t.false(JSON.stringify(body).includes('127.0.0.1'), 'no host, port or driver message to an unauthenticated caller');
  t.is((await fetch(`http://127.0.0.1:${api.port}/healthz`)).status, 200, 'the process itself is alive');
});

test('readyz is 503 and names Redis as down, without the reason, when Redis is unreachable', async (t) => {
  const { config } = await startServices(t);
  const api = await start({ ...config, REDIS_URL: 'redis://127.0.0.1:1' }, { silentLogs: true });
  t.teardown(api.stop);
  const response = await fetch(`http://127.0.0.1:${api.port}/readyz`);
  t.is(response.status, 503);
  const body = (await response.json()) as { checks: Record<string, string> };
  t.deepEqual(body.checks, { postgres: 'ok', redis: 'down' });
  t.false(JSON.stringify(body).includes('127.0.0.1'), 'no host, port or driver message to an unauthenticated caller');
});

test('metrics are exposed in Prometheus text format with the instance label', async (t) => {
  const { url } = await startServices(t);
  await fetch(`${url}/healthz`);
  const response = await fetch(`${url}/metrics`);
  t.is(response.status, 200);
  const text = await response.text();
  t.regex(text, /http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*status="200"/);
  t.regex(text, /process_cpu_user_seconds_total\{[^}]*instance="/);
});

test('an unknown route is a 404 in the error shape', async (t) => {
  const { url } = await startServices(t);
  const response = await fetch(`${url}/nope`);
  t.is(response.status, 404);
  t.deepEqual(await response.json(), { error: { type: 'not_found', code: 'route_not_found', message: 'no route for GET /nope' } });
});
