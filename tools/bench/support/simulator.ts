import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Stripe from 'stripe';
import { freePort, projectRoot, startChild, waitForHttp } from './processes.js';

/** The local Stripe simulator in a child process (seeded catalog, no webhook delivery). */
export async function startSimulator(options: { source?: boolean } = {}): Promise<ReturnType<typeof startChild> & { url: string }> {
  const port = await freePort();
  // The seed is named explicitly: the compiled simulator in dist/ has no copy of seed.json beside it.
  const seed = path.join(projectRoot, 'tools/stripe-sim/seed.json');
  const sim = startChild('tools/stripe-sim/main.ts', ['--port', String(port), '--quiet', '--seed', seed], { NODE_ENV: 'production' }, options);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_sim/health`, 200, sim.output, 60_000);
  return { ...sim, url };
}

/** Subscriptions created on the simulator through the stripe package: the objects events will carry. */
export async function seedSubscriptions(simUrl: string, count: number): Promise<Stripe.Subscription[]> {
  const base = new URL(simUrl);
  const stripe = new Stripe('sk_test_bench', { host: base.hostname, port: base.port, protocol: 'http', maxNetworkRetries: 0 });
  const subscriptions: Stripe.Subscription[] = [];
  for (let start = 0; start < count; start += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, count - start) }, async () => {
      const customer = await stripe.customers.create({ email: `fresh-${randomBytes(4).toString('hex')}@example.com` });
      return stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pro_monthly' }] });
    }));
    subscriptions.push(...batch);
  }
  return subscriptions;
}

