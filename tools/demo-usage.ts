import Stripe from 'stripe';
import type { SimDriver } from './stripe-sim/driver.js';

/** The metered feature of catalog.example.json and the Stripe meter it is exported to. */
const feature = 'api_calls';
const hourMs = 3_600_000;

interface BalanceBody { feature: string; granted: number | null; used: number; remaining: number | null; period_start: string; next_reset_at: string | null }

/** Creates the catalog's meter at the simulator unless it exists, as one would once in the Stripe Dashboard. */
async function ensureMeter(simUrl: string, secretKey: string): Promise<void> {
  const url = new URL(simUrl);
  const stripe = new Stripe(secretKey, { host: url.hostname, port: Number(url.port), protocol: url.protocol === 'https:' ? 'https' : 'http', maxNetworkRetries: 2 });
  const meters = await stripe.billing.meters.list({ status: 'active', limit: 100 });
  if (meters.data.some((meter) => meter.event_name === feature)) return;
  await stripe.billing.meters.create({ display_name: 'API calls', event_name: feature, default_aggregation: { formula: 'sum' } });
}

async function api<T>(apiUrl: string, key: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(route, apiUrl), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${route} answered ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const describe = (balance: BalanceBody) =>
  `${balance.used} of ${balance.granted ?? 'unlimited'} ${balance.feature} used, ${balance.remaining ?? 'unlimited'} left (resets ${balance.next_reset_at ?? 'never'})`;

/**
 * The metered part of the demo: a user on `basic_monthly` (1,000 `api_calls` a month in the
 * example catalog) reports usage as an app would, reads what is left, and has it exported to the
 * simulator's `api_calls` meter at once. Played before the lifecycle, whose clock jumps move the
 * simulator months ahead: usage reported after it is older than the 35 days the simulator's
 * meter accepts, so its export is refused there (real Stripe's clock does not jump).
 */
export async function meteredDemo(input: { apiUrl: string; simUrl: string; key: string; secretKey: string; driver: SimDriver; userId: string; settled: () => Promise<void> }): Promise<void> {
  const { apiUrl, key, userId } = input;
  await ensureMeter(input.simUrl, input.secretKey);
  const { customer } = await input.driver.checkout({ lookupKey: 'basic_monthly', clientReferenceId: userId, email: `${userId}@example.test` });
  console.log(`\nMetered usage for user ${userId} (basic_monthly, customer ${customer}):`);
  await input.settled();
  // Reported as having happened in the hour before, so its export window is closed and it can be sent now.
  const thisHour = Math.floor(Date.now() / hourMs) * hourMs;
  const occurredAt = new Date(thisHour - hourMs / 2).toISOString();
  for (const [n, amount] of [[1, 120], [2, 30], [3, 250]] as const) {
    const answer = await api<{ allowed: boolean; balance: BalanceBody }>(apiUrl, key, `/v1/customers/${userId}/usage`, { feature, amount, occurred_at: occurredAt, idempotency_key: `${userId}-demo-${n}` });
    console.log(`  POST /v1/customers/${userId}/usage {"feature": "${feature}", "amount": ${amount}} → allowed ${String(answer.allowed)}, ${answer.balance.remaining ?? 'unlimited'} left`);
  }
  const balance = await api<BalanceBody>(apiUrl, key, `/v1/customers/${userId}/balances/${feature}`);
  console.log(`  balance: ${describe(balance)}`);
  const period = `${new Date(thisHour - hourMs).toISOString()}/${new Date(thisHour).toISOString()}`;
  const parity = await api<{ meters: { event_name: string; ledger: number; stripe: number }[] }>(apiUrl, key, '/admin/meters/parity/repair', { customer: userId, period });
  for (const meter of parity.meters) console.log(`  exported to Stripe's ${meter.event_name} meter: the ledger holds ${meter.ledger}, Stripe ${meter.stripe} (POST /admin/meters/parity/repair)`);
  console.log(`  Try it (the user is saved in .local/demo-metered-user):`);
  console.log(`    curl -X POST -H "Authorization: Bearer $(cat .local/demo-admin-key)" -H 'Content-Type: application/json' ${apiUrl}/v1/customers/${userId}/usage -d '{"feature": "${feature}", "amount": 5, "idempotency_key": "try-1"}'`);
  console.log(`    curl -H "Authorization: Bearer $(cat .local/demo-admin-key)" ${apiUrl}/v1/customers/${userId}/balances`);
}
