import test from 'ava';
import { startServices } from '../support/services.js';
import { adminKey, seedCustomer, seedEvent } from './admin-fixtures.js';
import { csrfOf, getPage, hostile, hostileCustomer, postForm } from './console-fixtures.js';

test('without credentials every console page is a 401 showing the login form; the form logs in with a session cookie', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  for (const path of ['/admin/console', '/admin/console/events', '/admin/console/customers/cus_nobody', '/admin/console/revenue']) {
    const page = await getPage(url, path);
    t.is(page.status, 401, path);
    t.regex(page.body, /<form class="stack" method="post" action="\/admin\/console\/login">/, path);
    t.notRegex(page.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  }
  const wrong = await postForm(url, '/admin/console/login', { key: 'bk_admin_nope' }, { headers: { origin: url } });
  t.is(wrong.status, 401);
  t.regex(wrong.body, /not an active API key/);
  const login = await postForm(url, '/admin/console/login', { key }, { headers: { origin: url } });
  t.is(login.status, 303);
  t.is(login.location, '/admin/console');
  const cookie = /billing_admin_session=[\w-]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
  t.truthy(cookie);
  const home = await getPage(url, '/admin/console', { cookie: cookie! });
  t.is(home.status, 200);
  t.regex(home.body, /<h1>Customers<\/h1>/);
  t.truthy(await api.context.db('audit_log').where({ action: 'admin_session.created' }).first(), 'the login is audited like POST /admin/session');
  const crossSite = await postForm(url, '/admin/console/login', { key }, { headers: { origin: 'https://evil.example' } });
  t.is(crossSite.status, 403, 'a login form posted from another site is refused');
});

test('attacker-controlled name, email, metadata and grant reasons never reach the page unescaped', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key } = await adminKey(db);
  const customer = await hostileCustomer(db);
  await seedEvent(db, { customer_id: customer.stripeId, last_error: hostile });
  const customerPage = await getPage(url, `/admin/console/customers/${customer.stripeId}`, { key });
  const granted = await postForm(url, `/admin/console/customers/${customer.stripeId}/grants`, { feature: 'beta', reason: hostile, _csrf: csrfOf(customerPage.body) }, { key });
  t.is(granted.status, 303, granted.body);
  const pages = [
    await getPage(url, `/admin/console?q=${customer.stripeId}`, { key }),
    await getPage(url, `/admin/console/customers/${customer.stripeId}`, { key }),
    await getPage(url, `/admin/console/customers/${customer.stripeId}?kind=grant`, { key }),
    await getPage(url, '/admin/console/events', { key }),
  ];
  for (const page of pages) {
    t.is(page.status, 200);
    t.false(page.body.includes('<script'), 'no script element at all');
    t.false(page.body.includes('<img'), 'no markup from a metadata key');
    t.notRegex(page.body, /<[^>]*\s(style|on\w+)=/i, 'no inline style or handler attribute in any tag');
  }
  t.true(pages[0].body.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'), 'the name is shown, escaped');
  t.true(pages[1].body.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the metadata is shown, escaped');
  t.true(pages[3].body.includes('&lt;script&gt;'), 'the event error is shown, escaped');
});

test('a form without the session CSRF token, with another session token, or from another origin is refused and changes nothing', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key } = await adminKey(db);
  const other = await adminKey(db);
  const customer = await hostileCustomer(db);
  const path = `/admin/console/customers/${customer.stripeId}/grants`;
  const fields = { feature: 'beta', reason: 'csrf check' };
  const missing = await postForm(url, path, fields, { key });
  t.is(missing.status, 403);
  t.regex(missing.body, /csrf_token_invalid/);
  const otherToken = csrfOf((await getPage(url, '/admin/console', { key: other.key })).body);
  t.is((await postForm(url, path, { ...fields, _csrf: otherToken }, { key })).status, 403, "another key's token");
  const login = await postForm(url, '/admin/console/login', { key }, { headers: { 'sec-fetch-site': 'same-origin' } });
  const cookie = /billing_admin_session=[\w-]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const token = csrfOf((await getPage(url, '/admin/console', { cookie })).body);
  t.is((await postForm(url, path, { ...fields, _csrf: token }, { cookie, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403, 'cross-site with the right token');
  t.is((await postForm(url, path, { ...fields, _csrf: token }, { cookie })).status, 403, 'a cookie write that says nothing of its origin');
  t.is(await db('grants').count<{ count: string }[]>('* as count').then(([row]) => Number(row.count)), 0, 'no grant was written');
  const accepted = await postForm(url, path, { ...fields, _csrf: token }, { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
  t.is(accepted.status, 303, accepted.body);
  t.is(await db('grants').count<{ count: string }[]>('* as count').then(([row]) => Number(row.count)), 1);
});

test('a read-only admin key sees every page without an action and every post is refused', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key } = await adminKey(db, { readOnly: true });
  const customer = await hostileCustomer(db);
  const event = await seedEvent(db, { customer_id: customer.stripeId });
  const paths = ['/admin/console', `/admin/console/customers/${customer.stripeId}`, '/admin/console/events', '/admin/console/reconciliations'];
  let token = '';
  for (const path of paths) {
    const page = await getPage(url, path, { key });
    t.is(page.status, 200, path);
    t.regex(page.body, /read-only/);
    const posts = [...page.body.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map((match) => match[1]);
    t.deepEqual(posts, ['/admin/console/logout'], `${path}: the only form is logging out`);
    t.notRegex(page.body, />(Grant|Revoke|Replay|Replay selected|Sync now from Stripe|Start reconciliation)</, path);
    token = csrfOf(page.body);
  }
  const attempts: [string, Record<string, string>][] = [
    [`/admin/console/customers/${customer.stripeId}/grants`, { feature: 'beta', reason: 'x' }],
    [`/admin/console/customers/${customer.stripeId}/sync`, {}],
    ['/admin/console/events/replay', { one: event }],
    ['/admin/console/reconciliations', {}],
  ];
  for (const [path, fields] of attempts) {
    const response = await postForm(url, path, { ...fields, _csrf: token }, { key });
    t.is(response.status, 403, path);
    t.regex(response.body, /read-only/);
  }
  t.is((await db('stripe_events').where({ id: event }).first<{ status: string }>('status')).status, 'dead', 'the event was not replayed');
  t.is(Number((await db('reconciliation_runs').count<{ count: string }[]>('* as count'))[0].count), 0);
});

test('console actions go through the admin API functions: grant, revoke, replay and reconciliation are audited and visible', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key, id: keyId } = await adminKey(db);
  const customer = await hostileCustomer(db);
  const event = await seedEvent(db, { customer_id: customer.stripeId });
  const page = await getPage(url, `/admin/console/customers/${customer.stripeId}`, { key });
  const _csrf = csrfOf(page.body);

  const bad = await postForm(url, `/admin/console/customers/${customer.stripeId}/grants`, { feature: 'no spaces', value: '-3', expires_at: '2000-01-01T00:00', reason: '', _csrf }, { key });
  t.is(bad.status, 400);
  for (const field of ['feature', 'value', 'expires_at', 'reason']) t.regex(bad.body, new RegExp(`${field}: `), field);

  const granted = await postForm(url, `/admin/console/customers/${customer.stripeId}/grants`, { feature: 'api_calls', value: '500', expires_at: '2099-01-01T00:00', reason: 'support ticket', _csrf }, { key });
  t.is(granted.status, 303);
  t.is(granted.location, `/admin/console/customers/${customer.stripeId}?done=granted`);
  const grant = await db('grants').where({ customer_id: customer.id }).first<{ id: string; value: number; expires_at: Date; created_by: string }>('id', 'value', 'expires_at', 'created_by');
  t.like(grant, { value: 500, created_by: `key:${keyId}` });
  t.is(grant.expires_at.toISOString(), '2099-01-01T00:00:00.000Z');
  const after = await getPage(url, granted.location!, { key });
  t.regex(after.body, /Feature granted/);
  t.regex(after.body, /<th scope="row">api_calls<\/th><td>500<\/td>/, 'the entitlement is listed');
  t.regex(after.body, /entitlements: \+api_calls 500/, 'the change is on the timeline');

  const revoked = await postForm(url, `/admin/console/grants/${grant.id}/revoke`, { reason: 'resolved', _csrf }, { key });
  t.is(revoked.status, 303);
  t.truthy((await db('grants').where({ id: grant.id }).first<{ revoked_at: Date | null }>('revoked_at')).revoked_at);

  const replayed = await postForm(url, '/admin/console/events/replay', { event: [event], _csrf }, { key });
  t.is(replayed.status, 303);
  t.is(replayed.location, '/admin/console/events?done=replayed');
  t.is((await db('stripe_events').where({ id: event }).first<{ status: string }>('status')).status, 'received');
  t.is((await postForm(url, '/admin/console/events/replay', { _csrf }, { key })).status, 400, 'nothing selected');

  const reconcile = await postForm(url, '/admin/console/reconciliations', { customer: customer.stripeId, since: '', _csrf }, { key });
  t.is(reconcile.status, 303);
  const runs = await getPage(url, '/admin/console/reconciliations?done=reconciliation', { key });
  t.regex(runs.body, /Reconciliation run queued/);
  t.regex(runs.body, new RegExp(`admin:${keyId}`));

  const actions = (await db('audit_log').where({ actor: `key:${keyId}` }).orderBy('id').pluck('action')) as string[];
  t.deepEqual(actions.filter((action) => action !== 'entitlements.changed'), ['grant.created', 'grant.revoked', 'event.replayed', 'reconciliation.requested']);
});

test('pages page through with keyset cursors, unknown pages and customers are HTML errors, sync needs a Stripe customer, logging out ends the session', async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key } = await adminKey(db);
  for (let i = 0; i < 3; i += 1) await seedCustomer(db);
  const first = await getPage(url, '/admin/console?limit=2', { key });
  const next = /<a rel="next" href="([^"]+)">/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  t.truthy(next, 'a next page link');
  const second = await getPage(url, next!, { key });
  t.is(second.status, 200);
  t.is([...second.body.matchAll(/<th scope="row"><a href="\/admin\/console\/customers\//g)].length, 1, 'the third customer on the second page');
  t.notRegex(second.body, /rel="next"/);
  t.is((await getPage(url, '/admin/console?cursor=forged', { key })).status, 400);
  for (let i = 0; i < 3; i += 1) await seedEvent(db);
  const events = await getPage(url, '/admin/console/events?limit=2', { key });
  const nextEvents = /<a rel="next" href="([^"]+)">/.exec(events.body)?.[1]?.replaceAll('&amp;', '&');
  t.is((await getPage(url, nextEvents!, { key })).status, 200);
  t.regex((await getPage(url, '/admin/console/events?status=processed', { key })).body, /No events\./);
  t.is((await getPage(url, '/admin/console/events?status=lost', { key })).status, 400);

  const missing = await getPage(url, '/admin/console/customers/cus_nobody', { key });
  t.is(missing.status, 404);
  t.regex(missing.body, /customer_not_found/);
  t.is((await getPage(url, '/admin/console/nowhere', { key })).status, 404);
  t.is((await getPage(url, '/admin/console/customers/cus_nobody?kind=gossip', { key })).status, 400);

  const page = await getPage(url, '/admin/console', { key });
  const userOnly = await db('customers').insert({ user_id: 'user_without_stripe' }).returning('id');
  t.truthy(userOnly);
  const sync = await postForm(url, '/admin/console/customers/user_without_stripe/sync', { _csrf: csrfOf(page.body) }, { key });
  t.is(sync.status, 404, 'no Stripe customer to sync');
  t.is((await postForm(url, '/admin/console/customers/bad%20ref/sync', { _csrf: csrfOf(page.body) }, { key })).status, 400);
  t.regex((await getPage(url, '/admin/console/customers/user_without_stripe', { key })).body, /No subscriptions\./);

  const login = await postForm(url, '/admin/console/login', { key }, { headers: { 'sec-fetch-site': 'same-origin' } });
  const cookie = /billing_admin_session=[\w-]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const token = csrfOf((await getPage(url, '/admin/console', { cookie })).body);
  const logout = await postForm(url, '/admin/console/logout', { _csrf: token }, { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
  t.is(logout.status, 303);
  t.is(logout.location, '/admin/console/login');
  t.is((await getPage(url, '/admin/console', { cookie })).status, 401, 'the session has ended');
  t.truthy(await db('audit_log').where({ action: 'admin_session.ended' }).first());
  const readKey = await adminKey(db, { scope: 'read' });
  t.is((await getPage(url, '/admin/console', { key: readKey.key })).status, 403);
  t.regex((await postForm(url, '/admin/console/login', { key: readKey.key }, { headers: { origin: url } })).body, /needs a key with scope admin/);
});

test("a customer's timeline lists its own outbound deliveries, found by their event id prefix, and no other customer's", async (t) => {
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const { key } = await adminKey(db);
  const customer = await seedCustomer(db);
  const other = await seedCustomer(db);
  const [endpoint] = await db('webhook_endpoints').insert({ url: 'https://app.example/hook', events: ['entitlements.updated'], secret: 'whsec_console' }).returning<{ id: string }[]>('id');
  const eventOf = (customerId: string, version: number) => `evt_ent_${customerId.replaceAll('-', '')}_${version}`;
  await db('webhook_deliveries').insert([
    { endpoint_id: endpoint.id, event_id: eventOf(customer.id, 1), event_type: 'entitlements.updated', payload: {}, status: 'succeeded', attempts: 1 },
    { endpoint_id: endpoint.id, event_id: eventOf(customer.id, 2), event_type: 'entitlements.updated', payload: {}, status: 'dead', attempts: 9, last_error: 'HTTP 500' },
    { endpoint_id: endpoint.id, event_id: eventOf(other.id, 1), event_type: 'entitlements.updated', payload: {}, status: 'succeeded', attempts: 1 },
  ]);
  const page = await getPage(url, `/admin/console/customers/${customer.stripeId}?kind=delivery`, { key });
  t.is(page.status, 200);
  const shown = [...page.body.matchAll(/evt_ent_[0-9a-f]{32}_\d+/g)].map((match) => match[0]).sort();
  t.deepEqual([...new Set(shown)], [eventOf(customer.id, 1), eventOf(customer.id, 2)]);
  t.regex(page.body, /webhook entitlements\.updated · dead/);
});
