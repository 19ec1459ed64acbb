import test from 'ava';
import type { HttpMethod } from '../../api/openapi/types.js';
import { documentedSchema, schemaProblems } from '../support/openapi-schema.js';
import { startServices } from '../support/services.js';
import { adminKey, call, seedCustomer, seedEvent } from './admin-fixtures.js';

test('real answers of every admin route, successes and errors, match the schemas the OpenAPI document gives them', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const readOnly = await adminKey(db, { readOnly: true });
  const customer = await seedCustomer(db);
  const checks: [HttpMethod, string, string, { key?: string; body?: unknown }, number][] = [];
  const check = async (method: HttpMethod, documented: string, path: string, options: { key?: string; body?: unknown }, status: number) => {
    const response = await call<unknown>(url, path, { method: method.toUpperCase(), ...options });
    t.is(response.status, status, `${method.toUpperCase()} ${path}: ${JSON.stringify(response.body)?.slice(0, 200)}`);
    t.deepEqual(schemaProblems(response.body, documentedSchema(documented, method, String(status))), [], `${method.toUpperCase()} ${path} ${status}`);
    checks.push([method, documented, path, options, status]);
    return response.body as Record<string, unknown>;
  };
  const key = admin.key;

  const grant = await check('post', '/admin/grants', '/admin/grants', { key, body: { customer: customer.stripeId, feature: 'seats', value: 3, expires_at: '2999-01-01T00:00:00Z', reason: 'x' } }, 201);
  await check('post', '/admin/grants', '/admin/grants', { key, body: { customer: customer.userId, feature: 'beta', reason: 'x' } }, 201);
  await check('post', '/admin/grants', '/admin/grants', { key, body: { customer: customer.stripeId } }, 400);
  await check('post', '/admin/grants', '/admin/grants', { key: readOnly.key, body: {} }, 403);
  await check('post', '/admin/grants', '/admin/grants', { key, body: { customer: 'cus_nobody', feature: 'beta', reason: 'x' } }, 404);
  await check('get', '/admin/grants', `/admin/grants?customer=${customer.userId}`, { key }, 200);
  await check('get', '/admin/grants', '/admin/grants', {}, 401);
  await check('delete', '/admin/grants/{id}', `/admin/grants/${String(grant.id)}?reason=done`, { key }, 200);
  await check('delete', '/admin/grants/{id}', `/admin/grants/${String(grant.id)}?reason=done`, { key }, 409);
  await check('get', '/admin/customers', `/admin/customers?q=${customer.userId}&limit=5`, { key }, 200);
  await check('get', '/admin/customers', '/admin/customers?limit=0', { key }, 400);
  await check('get', '/admin/customers/{ref}', `/admin/customers/${customer.stripeId}`, { key }, 200);
  await check('get', '/admin/customers/{ref}', '/admin/customers/bad%20ref', { key }, 400);
  const eventId = await seedEvent(db);
  await check('get', '/admin/events', '/admin/events?status=dead&limit=1', { key }, 200);
  await check('post', '/admin/events/{id}/replay', `/admin/events/${eventId}/replay`, { key }, 202);
  await check('post', '/admin/events/{id}/replay', '/admin/events/evt_nothing/replay', { key }, 404);
  const run = await check('post', '/admin/reconciliations', '/admin/reconciliations', { key, body: {} }, 202);
  await check('get', '/admin/reconciliations/{id}', `/admin/reconciliations/${String(run.id)}`, { key }, 200);
  await check('get', '/admin/audit', `/admin/audit?customer=${customer.stripeId}&limit=2`, { key }, 200);
  await check('get', '/admin/audit', '/admin/audit?since=never', { key }, 400);
  await check('post', '/admin/session', '/admin/session', { key: readOnly.key }, 201);
  t.is(new Set(checks.map(([method, documented]) => `${method} ${documented}`)).size, 11, 'every admin operation was checked');
  t.notDeepEqual(schemaProblems({ id: 1 }, documentedSchema('/admin/grants', 'post', '201')), [], 'the check can fail');
});
