import test, { type ExecutionContext } from 'ava';
import { createKey, type KeyScope } from '../../shared/api-keys.js';
import { catalogFile } from '../support/catalog.js';
import { startServices } from '../support/services.js';
import { StripeState, uid, useStripeState } from '../support/stripe-state.js';
import { invalidationSeen } from './entitlements-fixtures.js';

const pro = { basic: true, pro: true, api_calls: 10000 };
type Entitlement = { feature: string; value: unknown };
interface SyncAnswer { customer: { id: string; stripe_customer_id: string; user_id: string | null }; entitlements: Entitlement[]; version: number; changed: boolean; as_of: string }
const featureMap = (entitlements: Entitlement[]) => Object.fromEntries(entitlements.map((entitlement) => [entitlement.feature, entitlement.value]));

async function setup(t: ExecutionContext) {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const services = await startServices(t, { env: { CATALOG_FILE: catalogFile() } });
  const { db } = services.api.context;
  const keys = Object.fromEntries(await Promise.all((['read', 'write'] as KeyScope[]).map(async (scope) => [scope, (await createKey(db, { name: `sync-${scope}`, scope })).key]))) as Record<'read' | 'write', string>;
  const sync = (ref: string, key = keys.write) => fetch(`${services.url}/v1/customers/${encodeURIComponent(ref)}/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  const read = async (ref: string) => (await (await fetch(`${services.url}/v1/customers/${encodeURIComponent(ref)}/entitlements`, { headers: { authorization: `Bearer ${keys.read}` } })).json()) as { entitlements: Entitlement[] };
  return { stripe, db, sync, read, keys, api: services.api };
}

test('a sync by user id fetches the customer from Stripe now and answers its fresh entitlements, which reads then serve', async (t) => {
  const { stripe, db, sync, read, api } = await setup(t);
  const userId = uid('user');
  const customer = stripe.customer(uid('cus'), { metadata: { user_id: userId } });
  await db('customers').insert({ user_id: userId, stripe_customer_id: customer });
  t.deepEqual((await read(userId)).entitlements, [], 'before: checkout done at Stripe, no webhook yet');
  const subscription = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });

  // The cached empty answer leaves this process's memory tier when the invalidation message arrives.
  const invalidated = invalidationSeen(api, userId);
  const answer = await sync(userId);
  t.is(answer.status, 200);
  const body = (await answer.json()) as SyncAnswer;
  t.like(body, { customer: { stripe_customer_id: customer, user_id: userId }, changed: true, version: 1 });
  t.deepEqual(featureMap(body.entitlements), pro);
  t.false(stripe.calls.includes(`GET /v1/customers/${customer}`), 'the customer came expanded on its subscriptions: no call of its own');
  t.true(Math.abs(Date.parse(body.as_of) - Date.now()) < 60_000);
  await invalidated;
  t.deepEqual(featureMap((await read(userId)).entitlements), pro, 'the cached empty answer was invalidated');
  t.is((await db('subscriptions').where({ id: subscription }).first<{ status: string }>('status'))?.status, 'active', 'the mirror holds the subscription');
  const audit = await db('audit_log').where({ action: 'entitlements.changed', customer_id: body.customer.id }).select<{ actor: string; reason: string; request_id: string | null }[]>('actor', 'reason', 'request_id');
  t.is(audit.length, 1);
  t.regex(audit[0]?.actor ?? '', /^key:/);
  t.is(audit[0]?.reason, 'sync requested');
  t.truthy(audit[0]?.request_id);

  const again = (await (await sync(customer)).json()) as SyncAnswer;
  t.false(again.changed, 'by Stripe id, nothing new: no change');
  t.is(again.version, 1, 'no change, same version');
  t.deepEqual(featureMap(again.entitlements), pro);
  t.true(stripe.syncs(customer) >= 2, 'each sync fetched the customer from Stripe');
});

test('an unknown customer is a 404 without a Stripe call; a malformed ref a 400; a read key a 403', async (t) => {
  const { stripe, sync, keys } = await setup(t);
  const unknownUser = await sync('nobody_here');
  t.is(unknownUser.status, 404);
  t.like(await unknownUser.json(), { error: { type: 'not_found', code: 'customer_not_found' } });
  const unknownCustomer = await sync('cus_unknown1');
  t.is(unknownCustomer.status, 404);
  t.deepEqual(stripe.calls, [], 'nothing was asked of Stripe');
  const malformed = await sync('no spaces allowed');
  t.is(malformed.status, 400);
  t.like(await malformed.json(), { error: { code: 'invalid_ref' } });
  const customer = stripe.customer();
  const readOnly = await sync(customer, keys.read);
  t.is(readOnly.status, 403);
});
