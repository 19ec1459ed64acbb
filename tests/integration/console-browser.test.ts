import path from 'node:path';
import test from 'ava';
import type { Page } from 'playwright-core';
import { findBrowser, launchBrowser, pageText as text, waitForText } from '../support/browser.js';
import { catalogFile, testCatalog } from '../support/catalog.js';
import { projectRoot } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { adminKey, seedCustomer, seedEvent } from './admin-fixtures.js';

const screenshots = path.join(projectRoot, 'docs', 'console');
const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
const heading = (page: Page) => page.locator('h1').innerText();

async function login(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/admin/console`);
  await page.fill('#key', key);
  await page.click('form button[type=submit]');
  await page.waitForURL(`${url}/admin/console`);
}

/** The test catalog with its api_calls metered: the customer page shows a balance and can adjust it. */
const catalog = { features: { api_calls: { metered: true, reset: 'billing_period', overage: 'reject' } }, plans: testCatalog.plans };

test('in headless Chromium: log in, find a customer, read its timeline, grant a feature the read API then serves, adjust a balance, replay a dead letter; a read-only key sees no button', async (t) => {
  const executable = await findBrowser();
  if (!executable) {
    t.fail('no chromium: run tools/browser.sh ensure (as root), or set CHROMIUM');
    return;
  }
  const { url, api } = await startServices(t, { env: { CATALOG_FILE: catalogFile(catalog) } });
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${message.text()} ${message.location().url}`);
  });

  await page.goto(`${url}/admin/console`);
  await page.waitForSelector('#key');
  await screenshot(page, 'login');
  await login(page, url, admin.key);
  t.is(await heading(page), 'Customers');

  // Find the customer by email and open it.
  await page.fill('#q', 'ada@');
  await page.click('form.search button');
  await page.waitForURL(/q=ada/);
  t.is(await page.locator('tbody th a').count(), 1, 'one match');
  t.regex(await text(page), /Ada Lovelace[\s\S]*past due, in grace[\s\S]*pro_monthly/);
  await screenshot(page, 'customers');
  await page.click('tbody th a');
  await page.waitForURL(/\/admin\/console\/customers\//);
  t.regex(await text(page), /invoice\.payment_failed · dead[\s\S]*subscription past due[\s\S]*customer\.subscription\.created · processed[\s\S]*subscription created/, 'the timeline, newest first');

  // Grant a feature; the read API serves it.
  await page.fill('#grant-feature', 'priority_support');
  await page.fill('#grant-reason', 'paid but could not use it (ticket 4711)');
  await page.click('form[action$="/grants"] button');
  t.regex(await waitForText(page, ['Feature granted']), /entitlements: \+api_calls 10000 \+basic \+priority_support \+pro/);
  const read = await fetch(`${url}/v1/customers/${customer.stripeId}/entitlements`, { headers: { authorization: `Bearer ${reader.key}` } });
  const body = (await read.json()) as { entitlements: { feature: string }[] };
  t.true(body.entitlements.some((entry) => entry.feature === 'priority_support'), JSON.stringify(body));

  // Adjust the metered balance: a credit, seen in the balances table, the timeline and the read API.
  t.is(await page.locator('#balance-api_calls td').first().innerText(), '10,000');
  await page.selectOption('#adjust-feature', 'api_calls');
  await page.fill('#adjust-amount', '500');
  await page.fill('#adjust-reason', 'outage credit (ticket 4712)');
  await page.click('form[action$="/balances/adjust"] button');
  const adjusted = await waitForText(page, ['Balance adjusted']);
  t.is(await page.locator('#balance-api_calls td').first().innerText(), '10,500');
  t.regex(adjusted, /balance api_calls credited 500[\s\S]*outage credit \(ticket 4712\)/);
  const balance = await fetch(`${url}/v1/customers/${customer.stripeId}/balances/api_calls`, { headers: { authorization: `Bearer ${reader.key}` } });
  t.like(await balance.json(), { granted: 10_500, remaining: 10_500 });
  await screenshot(page, 'customer');

  // Replay the dead letter from the events page.
  await page.goto(`${url}/admin/console/events`);
  t.regex(await heading(page), /^Dead letters/);
  t.regex(await text(page), /Stripe answered 500 three times/);
  await screenshot(page, 'events');
  await page.click(`button[name=one][value="${dead}"]`);
  await waitForText(page, ['Replay queued']);
  t.is((await db('stripe_events').where({ id: dead }).first<{ status: string }>('status')).status, 'received');

  for (const [name, title] of [['reconciliations', 'Reconciliation'], ['revenue', 'Revenue']] as const) {
    await page.goto(`${url}/admin/console/${name}`);
    t.is(await heading(page), title);
    await screenshot(page, name);
  }
  t.regex(await text(page), /29\.00 USD/, 'the past-due subscription is exposure');

  // A read-only key: the same pages, no form that posts but logging out.
  await page.context().clearCookies();
  await login(page, url, readOnly.key);
  for (const where of ['/admin/console', `/admin/console/customers/${customer.stripeId}`, '/admin/console/events', '/admin/console/reconciliations']) {
    await page.goto(`${url}${where}`);
    t.deepEqual(await page.locator('form[method=post] button').allInnerTexts(), ['Log out'], where);
  }
  t.regex(await page.goto(`${url}/admin/console/customers/${customer.stripeId}`).then(() => text(page)), /api_calls\s+10,500/, 'a read-only key reads the balances');
  // The login page itself is a 401 (what a request without credentials gets) and the service has
  // no favicon; nothing else may complain.
  t.deepEqual(problems.filter((problem) => !/status of 401|\/favicon\.ico/.test(problem)), [], 'no console error (a CSP violation would be one)');
});
