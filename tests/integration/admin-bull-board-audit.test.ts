import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, basic, call, failedJobs } from './admin-fixtures.js';

interface AuditRow { actor: string; action: string; subject_type: string; subject_id: string; request_id: string; before: unknown; after: unknown; reason: string }

test('every write through Bull Board is audited with the key, the request id and the state before and after', async (t) => {
  const { url, api, config } = await startServices(t);
  const { db, queues } = api.context;
  await failedJobs(config, queues.events, ['job-a', 'job-b']);
  const admin = await adminKey(db);
  const board = (method: string, path: string, requestId: string, headers: Record<string, string> = { authorization: basic(admin.key) }) =>
    // As the board's own page sends them: same-origin, so the CSRF policy lets ambient credentials act.
    call(url, `/admin/queues${path}`, { method, headers: { ...headers, origin: url, 'x-request-id': requestId } });
  const audited = (requestId: string) => db('audit_log').where({ request_id: requestId }).select<AuditRow[]>('*');

  t.is((await board('GET', '/api/queues', 'req-read')).status, 200);
  t.deepEqual(await audited('req-read'), [], 'reads are not audited');

  t.is((await board('PUT', '/api/queues/events/job-a/retry', 'req-retry')).status, 204);
  t.is(await (await queues.events.getJob('job-a'))!.getState(), 'waiting');
  const [retry] = await audited('req-retry');
  t.like(retry, {
    actor: `key:${admin.id}`, action: 'job.retry', subject_type: 'job', subject_id: 'events:job-a',
    before: { state: 'failed', attempts_made: 1 }, after: { state: 'waiting' }, reason: 'Bull Board: PUT /admin/queues/api/queues/events/job-a/retry',
  });

  const session = await call(url, '/admin/session', { method: 'POST', key: admin.key });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];
  t.is((await board('PUT', '/api/queues/events/job-b/clean', 'req-remove', { cookie })).status, 204);
  t.is(await queues.events.getJob('job-b'), undefined);
  t.like((await audited('req-remove'))[0], { actor: `key:${admin.id}`, action: 'job.clean', before: { state: 'failed' }, after: null });

  t.is((await board('PUT', '/api/queues/events/pause', 'req-pause')).status, 200);
  t.like((await audited('req-pause'))[0], { action: 'queue.pause', subject_type: 'queue', subject_id: 'events', before: { paused: false }, after: { paused: true } });
  t.is((await board('PUT', '/api/queues/resume', 'req-resume-all')).status, 200);
  t.like((await audited('req-resume-all'))[0], { action: 'queues.resume', subject_type: 'queues', before: { events: true, sync: false }, after: { events: false } });

  t.is((await board('PUT', '/api/queues/events/no-such-job/retry', 'req-refused')).status, 404);
  t.deepEqual(await audited('req-refused'), [], 'an action Bull Board refused changed nothing and is not recorded');
});
