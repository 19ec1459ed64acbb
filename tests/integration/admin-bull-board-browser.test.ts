import path from 'node:path';
import test from 'ava';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { findBrowser, launchBrowser, waitForText } from '../support/browser.js';
import { projectRoot } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { adminKey, basic, call } from './admin-fixtures.js';

// Only the queues a worker consumes: no card saying "No workers".
const queueNames = ['events', 'sync', 'reconcile', 'maintenance', 'webhooks', 'meters'];

/** Every URL in the HTML or an asset that the browser would load: src/href attributes, CSS url() and @import. */
function loadedUrls(text: string): string[] {
  const found = [...text.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"|url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]/g)];
  return found.map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

const external = (reference: string) => /^(https?:)?\/\//i.test(reference);

test('the Bull Board page and its assets reference nothing outside the service', async (t) => {
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  const auth = { authorization: basic(key) };
  const html = await (await fetch(`${url}/admin/queues`, { headers: auth })).text();
  t.false(/fonts\.googleapis|fonts\.gstatic/.test(html), 'no Google Fonts');
  t.false(/(src|href)="(https?:)?\/\//.test(html), 'no absolute URLs in the page');
  const assets = loadedUrls(html).filter((reference) => reference.startsWith('static/'));
  t.true(assets.some((asset) => asset.endsWith('.js')) && assets.some((asset) => asset.endsWith('.css')));
  for (const asset of assets) {
    const response = await fetch(`${url}/admin/queues/${asset}`, { headers: auth });
    t.is(response.status, 200, asset);
    if (asset.endsWith('.css')) t.deepEqual(loadedUrls(await response.text()).filter(external), [], `${asset} loads nothing external`);
  }
  t.is((await fetch(`${url}/admin/queues/static/css/${assets.find((asset) => asset.endsWith('.css'))!.split('/').at(-1)!}`)).status, 401, 'assets need the key too');
});

test('Bull Board renders in headless Chromium with HTTP Basic or a session cookie, shows every queue and loads nothing from elsewhere', async (t) => {
  const executable = await findBrowser();
  if (!executable) {
    t.fail('no chromium: run tools/browser.sh ensure (as root), or set CHROMIUM');
    return;
  }
  const { url, api } = await startServices(t);
  const { key } = await adminKey(api.context.db);
  await api.context.queues.maintenance.add('browser-check', {}, { jobId: 'browser-check-job' });
  const browser = await launchBrowser(executable);
  t.teardown(() => browser.close());

  const requested: string[] = [];
  const failed: string[] = [];
  const open = async (options: BrowserContextOptions = {}, setup: (page: Page) => Promise<void> = () => Promise.resolve()) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('requestfailed', (request) => failed.push(request.failure()?.errorText ?? 'failed'));
    await setup(page);
    return page;
  };

  // 1. HTTP Basic, the way a browser answers the WWW-Authenticate challenge.
  const withBasic = await open({ extraHTTPHeaders: { Authorization: basic(key) } });
  await withBasic.goto(`${url}/admin/queues`);
  // The sidebar lists the queues; the overview cards (one per queue, with its job count) load after it.
  const text = await waitForText(withBasic, [...queueNames, 'Jobs']);
  t.regex(text, /Billing queues/);
  t.is(text.match(/\d+ Jobs?/g)?.length, queueNames.length, 'one overview card per queue');
  await withBasic.screenshot({ path: path.join(projectRoot, '.local', 'screenshots', 'bull-board.png') });
  await withBasic.context().close();

  // 2. The session cookie from POST /admin/session, with no Authorization header at all.
  const session = await call(url, '/admin/session', { method: 'POST', key });
  const token = /billing_admin_session=([\w-]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1];
  t.truthy(token);
  const withCookie = await open({}, async (page) => {
    await page.context().addCookies([{ name: 'billing_admin_session', value: token!, domain: new URL(url).hostname, path: '/admin', httpOnly: true, sameSite: 'Strict' }]);
  });
  await withCookie.goto(`${url}/admin/queues`);
  const cookieText = await waitForText(withCookie, queueNames);
  t.false(/dead-letter|catalog/.test(cookieText), 'no queue without a consumer');
  await withCookie.context().close();

  // 3. The key in the address (http://admin:KEY@host/…): the page drops the credentials from its URL and loads.
  const inUrl = await open();
  const withCredentials = new URL(`${url}/admin/queues`);
  withCredentials.username = 'admin';
  withCredentials.password = key;
  await inUrl.goto(withCredentials.toString());
  await waitForText(inUrl, [...queueNames, 'Jobs']);
  t.true(requested.filter((request) => request.startsWith(`${new URL(url).origin}/admin/queues/static/locales/`)).length >= 3, 'the reloaded page fetched its texts from the address without the key');
  await inUrl.context().close();

  const origin = new URL(url).origin;
  // Requests of the page opened with the key in its address carry it too: same origin once it is taken out.
  const withoutCredentials = (request: string) => request.replace(/^(https?:\/\/)[^@/]*@/, '$1');
  const elsewhere = requested.map(withoutCredentials).filter((request) => !request.startsWith(origin) && !request.startsWith('data:') && !request.startsWith('blob:'));
  t.deepEqual(elsewhere, [], 'every request goes to the service itself');
  t.true(requested.some((request) => request.startsWith(`${origin}/admin/queues/api/queues`)), 'the board called its api');
  t.deepEqual(failed.filter((error) => error !== 'net::ERR_ABORTED'), [], 'no request failed (e.g. blocked by the CSP)');
});
