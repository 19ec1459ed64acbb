import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';

interface BadRequest { error: { type: string; code: string; message: string; param: string; fields: { field: string; message: string }[] } }

test('a 400 lists every bad field of a body or query, each with what is wrong, and names the first as param', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  const customer = await seedCustomer(api.context.db);
  const cases: [method: string, path: string, body: unknown, code: string, fields: string[]][] = [
    ['POST', '/admin/grants', { customer: customer.stripeId, feature: 'has space', value: -1, expires_at: 'soon', colour: 'blue' }, 'invalid_request_body', ['feature', 'value', 'expires_at', 'reason', 'colour']],
    ['POST', '/admin/reconciliations', { customer: 'not ok!', since: 'last week', scope: 'all' }, 'invalid_request_body', ['customer', 'since', 'scope']],
    ['GET', '/admin/events?status=lost&limit=0&type=a%20b', undefined, 'invalid_query', ['status', 'type', 'limit']],
    ['GET', '/admin/audit?since=yesterday&limit=999&extra=1', undefined, 'invalid_query', ['since', 'limit', 'extra']],
    ['GET', '/admin/grants', undefined, 'invalid_query', ['customer']],
    ['DELETE', '/admin/grants/7d4f5e52-0000-4000-8000-000000000000', {}, 'invalid_request_body', ['reason']],
  ];
  for (const [method, path, body, code, fields] of cases) {
    const response = await call<BadRequest>(url, path, { method, key: admin.key, body });
    t.is(response.status, 400, `${method} ${path}`);
    t.like(response.body.error, { type: 'invalid_request', code, param: fields[0] }, `${method} ${path}`);
    t.deepEqual(response.body.error.fields.map((entry) => entry.field).sort(), [...fields].sort(), `${method} ${path}`);
    for (const entry of response.body.error.fields) {
      t.true(entry.message.length > 0);
      t.true(response.body.error.message.includes(`${entry.field}: ${entry.message}`), `the message repeats ${entry.field}`);
    }
  }
  const missing = await call<BadRequest>(url, '/admin/grants', { method: 'POST', key: admin.key, body: { value: 2 } });
  t.deepEqual(missing.body.error.fields, ['customer', 'feature', 'reason'].map((field) => ({ field, message: 'is required' })));
  t.is(await api.context.db('grants').first(), undefined, 'nothing was written');
});

test('a body that is not a JSON object is a 400, not a 500', async (t) => {
  const { url, api } = await startServices(t);
  const admin = await adminKey(api.context.db);
  const headers = { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' };
  const broken = await fetch(`${url}/admin/grants`, { method: 'POST', headers, body: '{"customer": ' });
  t.is(broken.status, 400);
  t.like(await broken.json(), { error: { type: 'invalid_request' } });
  const list = await call<BadRequest>(url, '/admin/grants', { method: 'POST', key: admin.key, body: ['customer'] });
  t.is(list.status, 400);
  t.like(list.body.error, { code: 'invalid_request_body' });
  t.regex(list.body.error.message, /JSON object/);
});
