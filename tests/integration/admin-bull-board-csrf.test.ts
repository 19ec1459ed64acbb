import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, basic, call } from './admin-fixtures.js';

const validEvent = { name: 'invoice.paid', data: { eventId: 'evt_fromtheboard1' }, options: {} };

/** An admin, a session cookie of theirs, and a POST to the board's add-job route with given headers and body. */
async function board(t: Parameters<typeof startServices>[0]) {
  const services = await startServices(t);
  const admin = await adminKey(services.api.context.db);
  const session = await call(services.url, '/admin/session', { method: 'POST', key: admin.key });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const add = async (headers: Record<string, string>, body: string, queue = 'events') => {
    const response = await fetch(`${services.url}/admin/queues/api/queues/${queue}/add`, { method: 'POST', headers, body });
    const text = await response.text();
    return { status: response.status, code: /json/.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined };
  };
  const jobs = () => services.api.context.queues.events.count();
  return { ...services, admin, cookie, add, jobs };
}

test('a cross-origin form or text/plain POST with the session cookie or Basic credentials adds no job', async (t) => {
  const { url, admin, cookie, add, jobs } = await board(t);
  const foreign = [
    ['cookie, text/plain, cross-site', { cookie, 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['cookie, form, foreign Origin only', { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }],
    ['Basic, JSON, same-site subdomain', { authorization: basic(admin.key), 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }],
    ['Basic, JSON, Origin null', { authorization: basic(admin.key), 'content-type': 'application/json', origin: 'null' }],
    ['cookie, JSON, neither Origin nor Sec-Fetch-Site', { cookie, 'content-type': 'application/json' }],
  ] as const;
  for (const [name, headers] of foreign) {
    const answer = await add(headers, JSON.stringify(validEvent));
    t.deepEqual(answer, { status: 403, code: 'cross_origin_request' }, name);
  }
  t.is(await jobs(), 0);
  t.is((await add({ cookie, 'content-type': 'application/json', origin: url }, JSON.stringify(validEvent))).status, 200, 'the same request from the board\'s own page works');
  t.is(await jobs(), 1);
});

test('a job the processor could not run is refused by the board, from any origin and with any key', async (t) => {
  const { url, admin, add, jobs } = await board(t);
  const bearer = { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' };
  const sameOrigin = { authorization: basic(admin.key), 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' };
  for (const body of [{}, { name: 'x' }, { name: 'x', data: {} }, { name: 'x', data: { eventId: 42 } }, { name: 'x', data: { eventId: 'not-an-event' } }]) {
    t.deepEqual(await add(bearer, JSON.stringify(body)), { status: 400, code: 'invalid_job_data' }, JSON.stringify(body));
  }
  t.deepEqual(await add(sameOrigin, JSON.stringify({ name: 'sync-customer', data: {} }), 'sync'), { status: 400, code: 'invalid_job_data' });
  t.deepEqual(await add(sameOrigin, JSON.stringify({ name: 'x', data: {} }), 'maintenance'), { status: 400, code: 'invalid_job_data' }, 'service-made queues take no jobs from the board');
  t.deepEqual(await add(bearer, 'name=x'), { status: 400, code: 'entity_parse_failed' });
  t.is(await jobs(), 0);
  t.is((await add(bearer, JSON.stringify(validEvent))).status, 200, 'a tool with a Bearer key needs no Origin');
  t.is((await add({ ...sameOrigin, origin: url }, JSON.stringify({ ...validEvent, data: { eventId: 'evt_second' } }))).status, 200);
  t.is(await jobs(), 2);
});

test('a job whose data its processor cannot run is parked in the dead-letter queue, not left retrying', async (t) => {
  const { api } = await startServices(t, { worker: true });
  const { queues } = api.context;
  await queues.events.add('invoice.paid', {}, { jobId: 'no-event-id' });
  // Waits for the parking (an event, not a duration); a worker that never parks it fails the test at the give-up.
  const parked = await new Promise<boolean>((resolve) => {
    const giveUp = setTimeout(() => resolve(false), 20_000);
    const poll = setInterval(() => {
      void queues.deadLetter.getJob('events-no-event-id-1').then((job) => {
        if (!job) return;
        clearInterval(poll);
        clearTimeout(giveUp);
        resolve(true);
      });
    }, 100);
  });
  t.true(parked, 'the dead-letter queue holds the job');
  const job = await queues.events.getJob('no-event-id');
  t.is(await job?.getState(), 'failed');
  t.is(job?.attemptsMade, 1, 'failed once, as a permanent failure');
  t.regex(job?.failedReason ?? '', /invalid events job data: eventId/);
});
