import { createRandom } from '../../../tools/stripe-sim/random.js';
import { closingMoves, pickAction, plans, runAction, type ActionContext, type ChaosCustomer } from './actions.js';
import type { ChaosProfile } from './profile.js';
import type { ChaosStack } from './stack.js';

export interface WorkloadFigures {
  customers: ChaosCustomer[];
  /** Actions by name and outcome, e.g. `{ 'full refund': { done: 12, skipped: 3, rejected: 1 } }`. */
  actions: Record<string, Record<string, number>>;
  /** Entitlement reads made through the api while the run went on (they warm its caches). */
  reads: number;
}

const hour = 3600;

/** Deliveries not finished yet: held for reordering, in flight, or waiting for a retry or a duplicate. */
export function deliveryBacklog(stack: ChaosStack): number {
  const { enqueued, dropped, duplicated, sent, failed } = stack.sim.webhooks.stats;
  return enqueued - dropped + duplicated - sent - failed;
}

/** Waits while the simulator has more than `max` deliveries outstanding, so the run keeps the service's pace. */
async function pace(stack: ChaosStack, max: number): Promise<void> {
  while (deliveryBacklog(stack) > max) {
    if (stack.closed) throw new Error('the chaos stack was closed while the run was still driving it');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads a customer's entitlements through the api; failures during an outage are expected and ignored. */
async function read(stack: ChaosStack, customer: string): Promise<void> {
  await fetch(`${stack.apiUrl}/v1/customers/${customer}/entitlements`, { headers: { authorization: `Bearer ${stack.readKey}` } })
    .then((response) => response.arrayBuffer())
    .catch(() => undefined);
}

/**
 * An operator edits the catalog in the Stripe dashboard: a product is touched (product.updated),
 * optionally after gaining a feature, so every holder's entitlements are recomputed.
 */
async function editCatalog(stack: ChaosStack, revision: number, newFeature?: string): Promise<void> {
  if (newFeature) {
    const feature = await stack.stripe.entitlements.features.create({ lookup_key: newFeature, name: newFeature });
    await stack.stripe.products.createFeature('prod_pro', { entitlement_feature: feature.id });
  }
  for (const product of stack.sim.state.products.keys()) {
    await stack.stripe.products.update(product, { metadata: { catalog_revision: String(revision) } });
  }
}

/**
 * Drives the simulator: customers sign up through checkout spread over `signupDays`, then the
 * simulated clock walks `lifeDays` in steps (renewals, failed payments, dunning) while random
 * customers change seats and plans, cancel, resume, get refunds and disputes, and fix or break
 * their cards. `onProgress` is called with the share of the lifecycle phase done (fault injection).
 */
export async function driveWorkload(stack: ChaosStack, profile: ChaosProfile, seed: number, onProgress: (share: number) => void): Promise<WorkloadFigures> {
  const random = createRandom(seed);
  const context: ActionContext = { sim: stack.sim, stripe: stack.stripe, random };
  const customers: ChaosCustomer[] = [];
  const tally: WorkloadFigures['actions'] = {};
  let reads = 0;
  await editCatalog(stack, 1);

  const signupSteps = Math.max(1, Math.round((profile.signupDays * 24) / profile.stepHours));
  for (let step = 0; step < signupSteps; step++) {
    const target = Math.round(((step + 1) * profile.customers) / signupSteps);
    while (customers.length < target) {
      const lookupKey = plans[random.int(plans.length)];
      const outcome = stack.sim.ops.checkout({
        lookupKey, clientReferenceId: `user_chaos_${customers.length}`,
        ...(lookupKey === 'team_monthly' && { quantity: 1 + random.int(10) }),
        ...(random.chance(20) && { trialDays: 14 }),
      });
      customers.push({ id: outcome.customer, deleted: false });
    }
    await pace(stack, profile.maxBacklog);
    stack.sim.advance(profile.stepHours * hour);
  }

  const lifeSteps = Math.round((profile.lifeDays * 24) / profile.stepHours);
  for (let step = 0; step < lifeSteps; step++) {
    stack.sim.advance(profile.stepHours * hour);
    if (step === Math.floor(lifeSteps / 2)) await editCatalog(stack, 2, 'priority_support');
    for (let i = 0; i < profile.actionsPerStep; i++) {
      const live = customers.filter((customer) => !customer.deleted);
      const customer = live[random.int(live.length)];
      if (!customer) break;
      const name = pickAction(random);
      const outcome = await runAction(name, context, customer);
      const counts = (tally[name] ??= {});
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    for (let i = 0; i < 2; i++) {
      const customer = customers[random.int(customers.length)];
      if (customer) void read(stack, customer.id).then(() => { reads += 1; });
    }
    if (step === lifeSteps - 1) closingMoves(context, customers);
    await pace(stack, profile.maxBacklog);
    onProgress((step + 1) / lifeSteps);
  }
  return { customers, actions: tally, reads };
}
