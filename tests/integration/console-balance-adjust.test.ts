import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, call } from './admin-fixtures.js';
import { csrfOf, getPage, postForm } from './console-fixtures.js';
import { consumeCall, key, meteredCustomer, usageEnv, type BalanceBody } from './usage-fixtures.js';

interface AuditShape { actor: string; action: string; subject_type: string; customer_id: string; reason: string; request_id: string | null; after: Record<string, unknown> }

const auditOf = (rows: AuditShape[]) => rows.map(({ after, ...row }) => ({ ...row, after: { ...after, id: '(id)', idempotency_key: '(key)' } }));

test('the console adjusts a balance through POST /admin/balances/adjust\'s own path: the same audit row, idempotent, shown on the page', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { db } = services.api.context;
  const admin = await adminKey(db);
  const { customer, writer, reader } = await meteredCustomer(services, { api_calls: 10 });
  t.is((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 4, idempotency_key: key() })).status, 200);
  const path = `/admin/console/customers/${customer.stripeId}`;

  const before = await getPage(url, path, { key: admin.key });
  t.is(before.status, 200);
  t.regex(before.body, /<tr id="balance-api_calls"><th scope="row">api_calls<\/th><td>10<\/td><td>4<\/td>\s*<td>0<\/td><td>6<\/td>/, 'granted, used, reserved, remaining');
  t.regex(before.body, /<tr id="balance-minutes"><th scope="row">minutes<\/th><td>0<\/td>/, 'every metered feature of the catalog, even without an allowance');
  t.regex(before.body, /<h3 id="adjust-heading">Adjust a balance<\/h3>/);
  t.regex(before.body, /usage consume api_calls 4/, 'the ledger row is on the timeline');
  const _csrf = csrfOf(before.body);

  const bad = await postForm(url, `${path}/balances/adjust`, { feature: 'api_calls', amount: 'lots', reason: ' ', _csrf }, { key: admin.key });
  t.is(bad.status, 400);
  t.regex(bad.body, /amount: must be a non-zero integer/);
  t.regex(bad.body, /reason: is required/);
  t.is((await postForm(url, `${path}/balances/adjust`, { feature: 'pro', amount: '5', reason: 'x', _csrf }, { key: admin.key })).status, 400, 'a feature that is not metered');
  t.is((await postForm(url, `${path}/balances/adjust`, { feature: 'api_calls', amount: '5', reason: 'x' }, { key: admin.key })).status, 403, 'no CSRF token');

  const fields = { feature: 'api_calls', amount: '500', reason: 'support credit (ticket 4711)', idempotency_key: 'console-adj-1', _csrf };
  const credited = await postForm(url, `${path}/balances/adjust`, fields, { key: admin.key, headers: { 'x-request-id': 'req-console-adjust' } });
  t.is(credited.status, 303, credited.body);
  t.is(credited.location, `${path}?done=adjusted`);
  const balance = await call<BalanceBody>(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader });
  t.like(balance.body, { granted: 510, used: 4, remaining: 506 });

  // The same key again: nothing more is written; another amount under it is refused.
  t.is((await postForm(url, `${path}/balances/adjust`, fields, { key: admin.key })).status, 303);
  t.is((await postForm(url, `${path}/balances/adjust`, { ...fields, amount: '501' }, { key: admin.key })).status, 422);
  t.like((await call<BalanceBody>(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader })).body, { granted: 510 });

  // The JSON API's adjustment writes the same audit row, field for field.
  const json = await call(url, '/admin/balances/adjust', {
    method: 'POST', key: admin.key, headers: { 'x-request-id': 'req-json-adjust' },
    body: { customer: customer.stripeId, feature: 'api_calls', amount: 500, reason: 'support credit (ticket 4711)', idempotency_key: 'json-adj-1' },
  });
  t.is(json.status, 200);
  const audit = await db('audit_log').where({ action: 'balance.adjusted' }).orderBy('id')
    .select<AuditShape[]>('actor', 'action', 'subject_type', 'customer_id', 'reason', 'request_id', 'after');
  t.is(audit.length, 2, 'one audit row per adjustment, none for the replay');
  t.like(audit[0], { actor: `key:${admin.id}`, subject_type: 'usage_ledger', customer_id: customer.id, request_id: 'req-console-adjust' });
  t.deepEqual(auditOf(audit)[0], { ...auditOf(audit)[1], request_id: 'req-console-adjust' });

  const debited = await postForm(url, `${path}/balances/adjust`, { feature: 'api_calls', amount: '-1200', reason: 'abuse', _csrf }, { key: admin.key });
  t.is(debited.status, 303);
  const after = await getPage(url, credited.location!, { key: admin.key });
  t.regex(after.body, /Balance adjusted\./);
  t.regex(after.body, /<tr id="balance-api_calls"><th scope="row">api_calls<\/th><td>1,010<\/td><td>1,204<\/td>\s*<td>0<\/td><td><span class="badge bad">-194<\/span><\/td>/, 'a debit may take the balance below zero');
  t.regex(after.body, /balance api_calls debited 1200[\s\S]*balance api_calls credited 500[\s\S]*balance api_calls credited 500[\s\S]*usage consume api_calls 4/, 'the ledger rows, newest first');
  t.regex(after.body, /balance\.adjusted<\/td>\s*<td>key:[\w-]+ · usage_ledger \d+ · support credit \(ticket 4711\)/, 'the audit row on the timeline');

  const readOnly = await adminKey(db, { readOnly: true });
  const seen = await getPage(url, path, { key: readOnly.key });
  t.regex(seen.body, /<tr id="balance-api_calls">/, 'a read-only key reads the balances');
  t.notRegex(seen.body, /Adjust a balance|balances\/adjust/, 'and sees no form to adjust them');
  const refused = await postForm(url, `${path}/balances/adjust`, { feature: 'api_calls', amount: '5', reason: 'x', _csrf: csrfOf(seen.body) }, { key: readOnly.key });
  t.is(refused.status, 403);
  t.is(await db('audit_log').where({ action: 'balance.adjusted' }).count<{ count: string }[]>('* as count').then(([row]) => Number(row.count)), 3);
});
