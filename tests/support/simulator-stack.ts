import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { ExecutionContext } from 'ava';
import { createKey } from '../../shared/api-keys.js';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { createSimulator, type Simulator } from '../../tools/stripe-sim/server.js';
import { webhookSecret } from './config.js';
import { mirrorOf, settled, startPipeline } from './pipeline.js';
import { eventually } from './processes.js';
import type { TestServices } from './services.js';

export const seedFile = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));
export const exampleCatalog = fileURLToPath(new URL('../../catalog.example.json', import.meta.url));

export interface EntitlementsBody { customer: { stripe_customer_id: string; user_id: string | null } | null; entitlements: StoredEntitlement[]; version?: number }

export interface SimulatorStack { sim: Simulator; services: TestServices; readKey: string }

/**
 * The simulator, then an api and a worker pointed at it (STRIPE_API_BASE) with the example catalog
 * (or `catalog`, a CATALOG_FILE path), then webhooks to the api, and a read key.
 */
export async function startSimulatorStack(t: ExecutionContext, catalog = exampleCatalog): Promise<SimulatorStack> {
  const sim = await createSimulator({ seed: seedFile, apiKey: 'sk_test_123', randomSeed: 7 });
  t.teardown(() => sim.close());
  const services = await startPipeline(t, { STRIPE_API_BASE: sim.url, CATALOG_FILE: catalog, STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  sim.webhooks.configure({ url: `${services.url}/webhooks/stripe`, secret: webhookSecret, baseDelayMs: 50 });
  const { key } = await createKey(services.api.context.db, { name: 'e2e-reads', scope: 'read' });
  return { sim, services, readKey: key };
}

/**
 * Waits until the simulator has delivered everything and the pipeline has finished it, then reads
 * through the public API until it serves what the worker stored (the cache is invalidated just
 * after the sync commits).
 */
export async function entitlementsAfterDelivery({ sim, services, readKey }: SimulatorStack, ref: string, stripeCustomerId: string): Promise<EntitlementsBody> {
  await sim.idle();
  await settled(services);
  let body: EntitlementsBody | undefined;
  await eventually(async () => {
    const response = await fetch(`${services.url}/v1/customers/${encodeURIComponent(ref)}/entitlements`, { headers: { authorization: `Bearer ${readKey}` } });
    if (response.status !== 200) throw new Error(`entitlement read answered ${response.status}: ${await response.text()}`);
    body = (await response.json()) as EntitlementsBody;
    const stored = (await mirrorOf(services, stripeCustomerId))?.features as unknown;
    return isDeepStrictEqual(body.entitlements, stored);
  });
  return body!;
}

/** Every event the simulator sent, by id, beside the inbox rows that are not finished (none expected). */
export async function unfinishedEvents({ sim, services }: SimulatorStack): Promise<{ sent: string[]; recorded: string[]; unfinished: { id: string; status: string }[] }> {
  const sent = sim.events().map((event) => event.id).sort();
  const rows = await services.api.context.db('stripe_events').select<{ id: string; status: string }[]>('id', 'status').orderBy('id');
  return { sent, recorded: rows.map((row) => row.id), unfinished: rows.filter((row) => row.status !== 'processed' && row.status !== 'ignored') };
}
