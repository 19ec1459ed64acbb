import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { findBrowser, launchBrowser, type Page } from '../support/browser.js';
import { projectRoot } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { adminKey, seedCustomer, seedEvent } from './admin-fixtures.js';

const screenshots = path.join(projectRoot, 'docs', 'console');

/** Polls an expression in the page until it is truthy, or fails with what the page shows. */
async function waitFor(page: Page, expression: string, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await page.evaluate<boolean>(`Boolean(document.readyState === 'complete' && (${expression}))`).catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const shown = await page.evaluate<string>('location.href + " " + (document.body ? document.body.innerText : "")').catch(() => '');
  throw new Error(`the page never showed ${what}; it shows: ${shown.slice(0, 600)}`);
}

/** Types into a field the way a person does: focus it, then text input events. */
async function type(page: Page, selector: string, text: string): Promise<void> {
  await page.evaluate(`document.querySelector(${JSON.stringify(selector)}).focus()`);
  await page.send('Input.insertText', { text });
}

const click = (page: Page, selector: string) => page.evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
const text = (page: Page) => page.evaluate<string>('document.body.innerText');

async function screenshot(page: Page, name: string): Promise<void> {
  const { data } = (await page.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as { data: string };
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(path.join(screenshots, `${name}.png`), Buffer.from(data, 'base64'));
}

async function login(page: Page, url: string, key: string): Promise<void> {
  await page.send('Page.navigate', { url: `${url}/admin/console` });
  await waitFor(page, `document.querySelector('#key')`, 'the login form');
  await type(page, '#key', key);
  await click(page, 'form button[type=submit]');
  await waitFor(page, `location.pathname === '/admin/console' && document.querySelector('h1').innerText === 'Customers'`, 'the customer list');
}

test('in headless Chromium: log in, find a customer, read its timeline, grant a feature the read API then serves, replay a dead letter; a read-only key sees no button', async (t) => {
  const executable = await findBrowser();
  if (!executable) {
    t.fail('no chromium: run tools/browser.sh ensure (as root), or set CHROMIUM');
    return;
  }
  const { url, api } = await startServices(t);
  const { db } = api.context;
  const admin = await adminKey(db);
  const readOnly = await adminKey(db, { readOnly: true });
  const reader = await adminKey(db, { scope: 'read' });
  const customer = await seedCustomer(db);
  await db('customers').where({ id: customer.id }).update({ email: 'ada@example.com', name: 'Ada Lovelace' });
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000);
  await db('subscriptions').insert({
    id: 'sub_browser1', customer_id: customer.id, stripe_customer_id: customer.stripeId, status: 'past_due', currency: 'usd',
    stripe_created: day(70), past_due_since: day(1), synced_at: day(1),
  });
  await db('subscription_items').insert({ id: 'si_browser1', subscription_id: 'sub_browser1', price_id: 'price_pro', product_id: 'prod_pro', lookup_key: 'pro_monthly', quantity: 1, unit_amount: 2900, current_period_start: day(10), current_period_end: day(-20) });
  await seedEvent(db, { customer_id: customer.stripeId, type: 'customer.subscription.created', status: 'processed', attempts: 1, last_error: null, received_at: day(70) });
  const dead = await seedEvent(db, { customer_id: customer.stripeId, type: 'invoice.payment_failed', last_error: 'Stripe answered 500 three times', received_at: day(1) });
  for (let other = 0; other < 3; other += 1) await seedCustomer(db);

  const browser = await launchBrowser(executable);
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('Log.entryAdded', (params) => {
    const entry = params.entry as { level: string; text: string; url?: string };
    if (entry.level === 'error') problems.push(`${entry.text} ${entry.url ?? ''}`);
  });
  await page.send('Log.enable');
  await page.send('Page.enable');
  await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });

  await page.send('Page.navigate', { url: `${url}/admin/console` });
  await waitFor(page, `document.querySelector('#key')`, 'the login form');
  await screenshot(page, 'login');
  await login(page, url, admin.key);

  // Find the customer by email and open it.
  await type(page, '#q', 'ada@');
  await click(page, 'form.search button');
  await waitFor(page, `location.search.includes('q=ada') && document.querySelectorAll('tbody th a').length === 1`, 'one match');
  t.regex(await text(page), /Ada Lovelace[\s\S]*past due, in grace[\s\S]*pro_monthly/);
  await screenshot(page, 'customers');
  await click(page, 'tbody th a');
  await waitFor(page, `location.pathname.startsWith('/admin/console/customers/')`, 'the customer page');
  const story = await text(page);
  t.regex(story, /invoice\.payment_failed · dead[\s\S]*subscription past due[\s\S]*customer\.subscription\.created · processed[\s\S]*subscription created/, 'the timeline, newest first');

  // Grant a feature; the read API serves it.
  await type(page, '#grant-feature', 'priority_support');
  await type(page, '#grant-reason', 'paid but could not use it (ticket 4711)');
  await click(page, 'form[action$="/grants"] button');
  await waitFor(page, `document.body.innerText.includes('Feature granted')`, 'the grant notice');
  t.regex(await text(page), /entitlements: \+priority_support/);
  await screenshot(page, 'customer');
  const read = await fetch(`${url}/v1/customers/${customer.stripeId}/entitlements`, { headers: { authorization: `Bearer ${reader.key}` } });
  const body = (await read.json()) as { entitlements: { feature: string }[] };
  t.true(body.entitlements.some((entry) => entry.feature === 'priority_support'), JSON.stringify(body));

  // Replay the dead letter from the events page.
  await page.send('Page.navigate', { url: `${url}/admin/console/events` });
  await waitFor(page, `document.querySelector('h1').innerText.startsWith('Dead letters')`, 'the events page');
  t.regex(await text(page), /Stripe answered 500 three times/);
  await screenshot(page, 'events');
  await click(page, `button[name=one][value="${dead}"]`);
  await waitFor(page, `document.body.innerText.includes('Replay queued')`, 'the replay notice');
  t.is((await db('stripe_events').where({ id: dead }).first<{ status: string }>('status')).status, 'received');

  for (const [name, heading] of [['reconciliations', 'Reconciliation'], ['revenue', 'Revenue']] as const) {
    await page.send('Page.navigate', { url: `${url}/admin/console/${name}` });
    await waitFor(page, `document.querySelector('h1').innerText === '${heading}'`, heading);
    await screenshot(page, name);
  }
  t.regex(await text(page), /29\.00 USD/, 'the past-due subscription is exposure');

  // A read-only key: the same pages, no form that posts but logging out.
  await page.send('Network.clearBrowserCookies');
  await login(page, url, readOnly.key);
  for (const where of ['/admin/console', `/admin/console/customers/${customer.stripeId}`, '/admin/console/events', '/admin/console/reconciliations']) {
    await page.send('Page.navigate', { url: `${url}${where}` });
    await waitFor(page, `location.pathname === '${where}' && document.querySelector('h1')`, where);
    t.deepEqual(await page.evaluate<string[]>(`[...document.querySelectorAll('form[method=post] button')].map((button) => button.innerText)`), ['Log out'], where);
  }
  // The login page itself is a 401 (what a request without credentials gets) and the service has
  // no favicon; nothing else may complain.
  t.deepEqual(problems.filter((problem) => !/status of 401|\/favicon\.ico/.test(problem)), [], 'no console error (a CSP violation would be one)');
});
