import test from 'ava';
import express from 'express';
import { bullBoard } from '../../api/admin/bull-board.js';
import { closeServer, listen, portOf } from '../../api/server.js';
import { boardQueues } from '../../shared/infra/queues.js';
import { startServices } from '../support/services.js';
import { adminKey, basic, call, failedJobs, seedCustomer } from './admin-fixtures.js';

/** Every kind of write Bull Board's api offers on a queue or a job (paths under /admin/queues). */
const boardWrites: [method: string, path: string, body?: unknown][] = [
  ['PUT', '/api/queues/events/job-a/retry'],
  ['PUT', '/api/queues/events/retry/failed'],
  ['PUT', '/api/queues/events/job-a/clean'],
  ['PUT', '/api/queues/events/clean/failed'],
  ['PUT', '/api/queues/events/empty'],
  ['PUT', '/api/queues/events/obliterate'],
  ['PUT', '/api/queues/events/job-a/promote'],
  ['PUT', '/api/queues/events/pause'],
  ['PUT', '/api/queues/pause'],
  ['POST', '/api/queues/events/add', { name: 'sneaky', data: {} }],
  ['PATCH', '/api/queues/events/job-a/update-data', { data: { changed: true } }],
];

test('a read-only admin key cannot retry, clean, remove or otherwise change jobs through Bull Board, by key, Basic or session', async (t) => {
  const { url, api, config } = await startServices(t);
  const { db, queues } = api.context;
  await failedJobs(config, queues.events, ['job-a', 'job-b']);
  const countsBefore = await queues.events.getJobCounts();
  t.is(countsBefore.failed, 2);
  const readOnly = await adminKey(db, { readOnly: true });
  const session = await call<{ read_only: boolean }>(url, '/admin/session', { method: 'POST', key: readOnly.key });
  t.is(session.status, 201, 'a read-only key may open a session, to look');
  t.true(session.body.read_only);
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];

  const credentials: [string, Record<string, string>][] = [
    ['bearer', { authorization: `Bearer ${readOnly.key}` }], ['basic', { authorization: basic(readOnly.key) }], ['session', { cookie }],
  ];
  for (const [how, headers] of credentials) {
    t.is((await fetch(`${url}/admin/queues/api/queues/events/job-a`, { headers })).status, 200, `${how}: reading a job is allowed`);
    for (const [method, path, body] of boardWrites) {
      const response = await call<{ error: { code: string } }>(url, `/admin/queues${path}`, { method, body, headers });
      t.is(response.status, 403, `${how}: ${method} ${path}`);
      t.is(response.body.error.code, 'forbidden');
    }
  }

  t.is(await (await queues.events.getJob('job-a'))!.getState(), 'failed', 'not retried');
  t.is(await (await queues.events.getJob('job-b'))!.getState(), 'failed', 'not removed');
  t.deepEqual(await queues.events.getJobCounts(), countsBefore);
  t.false(await queues.events.isPaused());
  t.is((await db('audit_log').whereLike('reason', 'Bull Board:%')).length, 0, 'refused actions are not recorded as done');
});

test("Bull Board's own read-only mode refuses writes too, should a read-only key ever get past the gate", async (t) => {
  const { api, config } = await startServices(t);
  const { queues } = api.context;
  await failedJobs(config, queues.events, ['job-a']);
  const app = express();
  app.use('/admin/queues', (_req, res, next) => { res.locals.apiKey = { id: 'k', name: 'k', scope: 'admin', read_only: true }; next(); }, bullBoard(boardQueues(queues, api.context.shards)));
  const server = await listen(app, 0, '127.0.0.1');
  t.teardown(() => closeServer(server));
  const base = `http://127.0.0.1:${portOf(server)}/admin/queues`;
  for (const path of ['/api/queues/events/job-a/retry', '/api/queues/events/retry/failed', '/api/queues/events/job-a/clean', '/api/queues/events/clean/failed', '/api/queues/events/empty']) {
    t.is((await fetch(`${base}${path}`, { method: 'PUT' })).status, 405, path);
  }
  t.is(await (await queues.events.getJob('job-a'))!.getState(), 'failed');
});

test('a read-only admin key reads the admin JSON api but every write is a 403 that changes nothing', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const readOnly = await adminKey(db, { readOnly: true });
  const customer = await seedCustomer(db);
  const grant = await call<{ id: string }>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'beta', reason: 'x' } });
  const auditRows = async () => Number((await db('audit_log').count<{ n: string }[]>({ n: '*' }))[0].n);
  const auditBefore = await auditRows();

  for (const path of [`/admin/grants?customer=${customer.stripeId}`, `/admin/customers/${customer.userId}`, '/admin/events', '/admin/audit']) {
    t.is((await call(url, path, { key: readOnly.key })).status, 200, path);
  }
  const writes: [string, string, unknown][] = [
    ['POST', '/admin/grants', { customer: customer.stripeId, feature: 'beta', reason: 'x' }],
    ['DELETE', `/admin/grants/${grant.body.id}?reason=x`, undefined],
    ['POST', '/admin/events/evt_any/replay', undefined],
    ['POST', '/admin/reconciliations', {}],
  ];
  for (const [method, path, body] of writes) {
    const response = await call(url, path, { method, key: readOnly.key, body });
    t.is(response.status, 403, `${method} ${path}`);
    t.like(response.body, { error: { type: 'permission', code: 'forbidden', message: 'this admin key is read-only: it may read but not change anything' } });
  }
  t.is(await auditRows(), auditBefore);
  t.like(await db('grants').where({ id: grant.body.id }).first(), { revoked_at: null });
  t.is(Number((await db('reconciliation_runs').count<{ n: string }[]>({ n: '*' }))[0].n), 0);
});
