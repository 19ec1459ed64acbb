import test from 'ava';
import { start } from '../../api/main.js';
import { revokeKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';
import { keyFor, pro, read, seedCustomer } from './entitlements-fixtures.js';

async function errorOf(response: Response) {
  return { status: response.status, body: (await response.json()) as { error: { type: string; code: string; message: string } } };
}

test('no key, an unknown key and a revoked key are 401 in the error shape', async (t) => {
  const { url, api } = await startServices(t, { env: { API_KEY_CACHE_TTL_SECONDS: '0' } });
  const path = '/v1/customers/cus_abc/entitlements';
  for (const key of [undefined, 'bk_read_0000000000000000000000000000000000', 'not a key']) {
    const { status, body } = await errorOf(await read(url, path, key));
    t.is(status, 401);
    t.is(body.error.type, 'authentication');
    t.is(body.error.code, 'unauthorized');
  }
  const key = await keyFor(api.context.db);
  t.is((await read(url, path, key)).status, 200);
  const [row] = await api.context.db('api_keys').select('id').orderBy('created_at', 'desc').limit(1);
  t.true(await revokeKey(api.context.db, (row as { id: string }).id));
  const revoked = await errorOf(await read(url, `${path}/pro`, key));
  t.is(revoked.status, 401, 'with API_KEY_CACHE_TTL_SECONDS=0 a revoked key stops at once');
  t.is(revoked.body.error.message, 'the API key is unknown or revoked');
});

test('a write key is 403; read and admin keys are accepted', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { status, body } = await errorOf(await read(url, '/v1/customers/cus_abc/entitlements', await keyFor(db, 'write')));
  t.is(status, 403);
  t.deepEqual(body.error, { type: 'permission', code: 'forbidden', message: 'this route needs a key with scope read; this key has scope write' });
  t.is((await read(url, '/v1/customers/cus_abc/entitlements/pro', await keyFor(db, 'write'))).status, 403);
  t.is((await read(url, '/v1/customers/cus_abc/entitlements', await keyFor(db, 'read'))).status, 200);
  t.is((await read(url, '/v1/customers/cus_abc/entitlements', await keyFor(db, 'admin'))).status, 200);
});

test('a malformed reference or feature name is 400 (after authentication)', async (t) => {
  const { url, api } = await startServices(t);
  const key = await keyFor(api.context.db);
  for (const ref of ['has space', 'x'.repeat(201), 'semi;colon', 'caf%C3%A9']) {
    const { status, body } = await errorOf(await read(url, `/v1/customers/${ref.includes('%') ? ref : encodeURIComponent(ref)}/entitlements`, key));
    t.is(status, 400, ref);
    t.deepEqual([body.error.type, body.error.code], ['invalid_request', 'invalid_ref']);
  }
  for (const feature of ['no%20spaces', 'a'.repeat(201), 'x%22y']) {
    const { status, body } = await errorOf(await read(url, `/v1/customers/cus_abc/entitlements/${feature}`, key));
    t.is(status, 400, feature);
    t.is(body.error.code, 'invalid_feature');
  }
  t.is((await read(url, '/v1/customers/has%20space/entitlements', undefined)).status, 401, 'authentication comes first');
  for (const ref of ['auth0|abc', 'a.b@example.com', 'user:42', 'x'.repeat(200)]) {
    t.is((await read(url, `/v1/customers/${encodeURIComponent(ref)}/entitlements`, key)).status, 200, ref);
  }
});

test('with Redis unreachable, reads are still answered from Postgres', async (t) => {
  const { config, api: healthy } = await startServices(t);
  const customer = await seedCustomer(healthy.context.db, [pro]);
  const key = await keyFor(healthy.context.db);
  const api = await start({ ...config, REDIS_URL: 'redis://127.0.0.1:1' }, { silentLogs: true });
  t.teardown(api.stop);
  t.false(api.entitlements.subscribed);
  const url = `http://127.0.0.1:${api.port}`;
  for (let i = 0; i < 3; i += 1) {
    const response = await read(url, `/v1/customers/${customer.stripeId}/entitlements`, key);
    t.is(response.status, 200);
    t.deepEqual(((await response.json()) as { entitlements: unknown[] }).entitlements, [pro]);
  }
  t.is((await read(url, `/v1/customers/${customer.userId}/entitlements/pro`, key)).status, 200);
});

test('with Postgres unreachable and nothing cached, a read is a 503 in the error shape', async (t) => {
  const { config } = await startServices(t);
  const api = await start({ ...config, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, { silentLogs: true });
  t.teardown(api.stop);
  const { status, body } = await errorOf(await read(`http://127.0.0.1:${api.port}`, '/v1/customers/cus_abc/entitlements', 'bk_read_0000000000000000000000000000000000'));
  t.is(status, 503);
  t.is(body.error.code, 'dependency_unavailable');
});
