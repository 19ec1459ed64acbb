import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '../sdk/src/index.js';
import { createKey, listKeys, revokeKey } from '../shared/api-keys.js';
import { loadConfigOrExit } from '../shared/infra/config.js';
import { createDb } from '../shared/infra/db.js';
import type { StoredEntitlement } from '../shared/entitlements/stored-entitlement.js';
import type { SimDriver } from './stripe-sim/driver.js';
import { callControl, createHttpDriver } from './stripe-sim/http-driver.js';
import { runScenario } from './stripe-sim/scenarios.js';
import { meteredDemo } from './demo-usage.js';

/**
 * The end of `npm run local` (tools/local.sh), with the api's environment: a fresh admin key for
 * this machine (earlier demo keys are revoked), then, unless `--skip-scenario` (real Stripe), one
 * `subscription.lifecycle` scenario on the simulator at STRIPE_API_BASE. After each step it waits
 * until the simulator has delivered its webhooks and the workers have finished them, then prints
 * the demo customer's entitlements as `GET /v1/customers/:ref/entitlements` serves them. Before
 * it, a metered user consumes some `api_calls` and reads its balance (tools/demo-usage.ts).
 */

const keyName = 'local-demo';
const waitMs = 60_000;

interface CustomerView { subscriptions: { status: string; cancel_at_period_end: boolean }[]; entitlements: { features: StoredEntitlement[] } | null }
interface EntitlementsBody { entitlements: StoredEntitlement[] }

async function replaceDemoKey(databaseUrl: string, keyFile: string): Promise<string> {
  const db = createDb({ url: databaseUrl, poolMax: 1, applicationName: 'billing-demo' });
  try {
    for (const old of await listKeys(db)) if (old.name === keyName && !old.revoked_at) await revokeKey(db, old.id);
    const { key } = await createKey(db, { name: keyName, scope: 'admin' });
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    return key;
  } finally {
    await db.destroy();
  }
}

/** Polls `check` until it returns a value; fails naming `what` (and the last error) after {@link waitMs}. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + waitMs;
  let lastError = '';
  for (;;) {
    const value = await check().catch((error: unknown) => {
      lastError = `: ${error instanceof Error ? error.message : String(error)}`;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GETs JSON from the api with the demo key; undefined for a 404, an error naming the status otherwise. */
function apiClient(apiUrl: string, key: string) {
  return async <T>(route: string): Promise<T | undefined> => {
    const response = await fetch(new URL(route, apiUrl), { headers: { authorization: `Bearer ${key}` } });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${route} answered ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
}

/** `basic=true pro=true`, then when they end (one date for all, as a subscription's grace or period end gives). */
function describe(entitlements: StoredEntitlement[]): string {
  if (entitlements.length === 0) return 'none';
  const values = entitlements.map((e) => `${e.feature}=${String(e.value)}`).join(' ');
  const ends = [...new Set(entitlements.map((e) => e.expires_at))];
  if (ends.length === 1) return ends[0] ? `${values}, until ${ends[0]}` : values;
  return entitlements.map((e) => `${e.feature}=${String(e.value)}${e.expires_at ? ` (until ${e.expires_at})` : ''}`).join(' ');
}

/** Waits for delivery and processing, then reads until the api serves what the workers stored. */
function entitlementPrinter(simUrl: string, get: ReturnType<typeof apiClient>, ref: string) {
  let previous: string | undefined;
  return async (): Promise<void> => {
    await callControl(simUrl, 'POST', '/_sim/webhooks/idle', { timeoutMs: waitMs });
    await until('the workers to finish the events', async () => {
      for (const status of ['received', 'queued', 'failed']) {
        if ((await get<{ data: unknown[] }>(`/admin/events?status=${status}&limit=1`))?.data.length !== 0) return undefined;
      }
      return true;
    });
    const [view, served] = await until('the api to serve the stored entitlements', async () => {
      const stored = await get<CustomerView>(`/admin/customers/${encodeURIComponent(ref)}`);
      const read = await get<EntitlementsBody>(`/v1/customers/${encodeURIComponent(ref)}/entitlements`);
      const same = stored && read && JSON.stringify(stored.entitlements?.features ?? []) === JSON.stringify(read.entitlements);
      return same ? [stored, read.entitlements] as const : undefined;
    });
    const line = describe(served);
    const subscription = view.subscriptions[0];
    const canceling = subscription?.cancel_at_period_end === true && subscription.status !== 'canceled';
    const status = subscription ? `${subscription.status}${canceling ? ', cancels at period end' : ''}` : 'none';
    console.log(`      subscription ${status}; entitlements ${line === previous ? '(unchanged) ' : ''}${line}`);
    previous = line;
  };
}

/** The same driver, except that each call first waits for the work queued by `after` (one step's printout). */
function pausingDriver(driver: SimDriver) {
  let pending: Promise<void> = Promise.resolve();
  const paused = Object.fromEntries(Object.entries(driver).map(([name, method]) => [name, async (...args: unknown[]) => {
    await pending;
    return (method as (...parameters: unknown[]) => Promise<unknown>)(...args);
  }])) as unknown as SimDriver;
  return {
    driver: paused,
    after(work: () => Promise<void>): void {
      pending = pending.then(work);
      pending.catch(() => undefined); // awaited by the next call or by drain()
    },
    drain: () => pending,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'key-file': { type: 'string', default: '.local/demo-admin-key' }, api: { type: 'string' }, 'skip-scenario': { type: 'boolean', default: false } },
  });
  const config = loadConfigOrExit();
  const apiUrl = values.api ?? `http://127.0.0.1:${config.PORT}`;
  const key = await replaceDemoKey(config.DATABASE_URL, values['key-file']);
  console.log(`Admin key '${keyName}' created (earlier ones revoked), saved in ${values['key-file']}`);
  const simUrl = config.STRIPE_API_BASE;
  if (!simUrl || values['skip-scenario']) {
    console.log('Stripe itself, not the simulator: no demo scenario (send events with `stripe trigger`).');
    return;
  }
  await until(`the Stripe simulator at ${simUrl}`, () => callControl<{ ok: boolean }>(simUrl, 'GET', '/_sim/health'));
  const get = apiClient(apiUrl, key);
  const meteredUser = `demo_${Date.now().toString(36)}_metered`;
  await meteredDemo({ apiUrl, simUrl, key, secretKey: config.STRIPE_SECRET_KEY, driver: createHttpDriver(simUrl), userId: meteredUser, settled: entitlementPrinter(simUrl, get, meteredUser) });
  writeFileSync(path.join(path.dirname(values['key-file']), 'demo-metered-user'), `${meteredUser}\n`);
  const userId = `demo_${Date.now().toString(36)}`;
  console.log(`\nScenario subscription.lifecycle for user ${userId} (simulator ${simUrl} → ${apiUrl}/webhooks/stripe):`);
  // The event stream, as an app would hold it: every change the scenario causes, as it lands.
  const stream = createClient({ baseUrl: apiUrl, apiKey: key }).watchAll();
  stream.onChange(({ data }) => {
    if (data.customer.user_id !== userId) return;
    const names = (list: { feature: string }[]) => list.map((entry) => entry.feature).join(',');
    const parts = [data.diff.added.length > 0 && `+${names(data.diff.added)}`, data.diff.removed.length > 0 && `-${names(data.diff.removed)}`, data.diff.changed.length > 0 && `~${names(data.diff.changed)}`];
    console.log(`      stream: entitlements.updated v${data.version} ${parts.filter(Boolean).join(' ')} (cause ${data.cause.type}${data.cause.id ? ` ${data.cause.id}` : ''})`);
  });
  await stream.ready;
  const gate = pausingDriver(createHttpDriver(simUrl));
  const print = entitlementPrinter(simUrl, get, userId);
  let n = 0;
  const result = await runScenario('subscription.lifecycle', gate.driver, { userId, email: `${userId}@example.test` }, (line) => {
    console.log(`  ${String(++n).padStart(2)}. ${line}`);
    gate.after(print);
  });
  await gate.drain();
  stream.close();
  // The README's examples read the demo's user from here.
  writeFileSync(path.join(path.dirname(values['key-file']), 'demo-user'), `${userId}\n`);
  console.log(`  The demo user (saved in .local/demo-user) has no subscription left; grant it a feature and read it:`);
  console.log(`    npm run billing -- trigger subscription.lifecycle --help    (more scenarios)`);
  console.log(`    curl -H "Authorization: Bearer $(cat ${values['key-file']})" ${apiUrl}/v1/customers/${userId}/entitlements    (or ${result.customer})`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
