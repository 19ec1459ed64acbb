import test from 'ava';
import Stripe from 'stripe';
import { computeEntitlements, parseCatalogFile, type Catalog } from '../../shared/domain/index.js';
import { toStored, type StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { subscriptionState } from '../support/chaos/oracle.js';
import { testCatalog } from '../support/catalog.js';
import { webhookSecret } from '../support/config.js';
import { Balancer, type SignedDelivery } from '../support/netns/balanced-load.js';
import { startHostsStack, type HostsStack } from '../support/netns/hosts-stack.js';
import { requestVia } from '../support/netns/unix-http.js';
import { eventually } from '../support/processes.js';
import { makeEvent } from '../support/webhooks.js';

/**
 * Many hosts, made on this machine: network namespaces joined by a bridge (tests/support/netns),
 * Redis and Postgres on one host, the Stripe simulator on another, the api on two hosts and the
 * workers on two more, each a real process. Signed webhooks go through a round-robin balancer to
 * both api hosts while first a worker host and then an api host lose their network (their switch
 * port goes down: no error, only silence). The cut worker's jobs must stall and be finished by
 * the other worker host; the other api host must keep answering; once both hosts return, every
 * event must be processed and every customer's entitlements must equal the pure entitlement
 * function applied to the simulator's subscriptions. Needs root (`ip netns`); fails if it cannot
 * make the namespaces.
 */
const signer = new Stripe('sk_test_signer');
const recovery = { JOB_LOCK_MS: '1500', RELAY_INTERVAL_MS: '500', RELAY_AFTER_SECONDS: '2', JOB_BACKOFF_MS: '100', JOB_ATTEMPTS: '20', WORKER_CONCURRENCY: '4', STRIPE_RATE_LIMIT_PER_SECOND: '1000' };

async function simCall<T>(stack: HostsStack, method: string, path: string, form: Record<string, string> = {}): Promise<T> {
  const body = new URLSearchParams(form).toString();
  const answer = await requestVia(stack.sockets.sim, { method, path, body, headers: { authorization: `Bearer ${stack.simKey}`, 'content-type': 'application/x-www-form-urlencoded' } });
  if (answer.status !== 200) throw new Error(`simulator ${method} ${path}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

function signed(type: string, object: Stripe.Subscription): SignedDelivery {
  const event = makeEvent(type, object as never);
  const body = JSON.stringify(event);
  return { id: String(event.id), body, signature: signer.webhooks.generateTestHeaderString({ payload: body, secret: webhookSecret }) };
}

/** Jobs completed so far by one worker host, from its own /metrics. */
async function completedBy(stack: HostsStack, worker: number): Promise<number> {
  const { body } = await requestVia(stack.sockets.workerMetrics[worker] ?? '', { path: '/metrics', timeoutMs: 2000 });
  return body.split('\n').filter((line) => line.startsWith('job_duration_seconds_count') && line.includes('outcome="completed"'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** BullMQ's `stalled` events across the run's queues (their event streams in Redis). */
async function stalledJobs(stack: HostsStack): Promise<number> {
  const redis = stack.data.localRedis();
  try {
    let stalled = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${stack.config.REDIS_PREFIX}*:events`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        if ((await redis.type(key)) !== 'stream') continue;
        stalled += (await redis.xrange(key, '-', '+')).filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
      }
    } while (cursor !== '0');
    return stalled;
  } finally {
    redis.disconnect();
  }
}

const comparable = (entries: readonly StoredEntitlement[]) => JSON.stringify(entries.map((entry) => [entry.feature, entry.value, entry.expires_at, entry.sources.map((source) => `${source.kind}:${source.id}`).sort()]).sort());

test.serial('two api and two worker hosts on a private network: a worker host and an api host cut off under load lose no event and leave no wrong entitlement', async (t) => {
  t.timeout(240_000);
  const startedAt = Date.now();
  const stack = await startHostsStack(recovery);
  t.teardown(stack.close);
  t.teardown(() => {
    if (t.passed) return;
    for (const each of [...stack.apis, ...stack.workers]) t.log(`${each.host.name} output:\n${each.output()}`);
  });
  const upMs = Date.now() - startedAt;

  // 1. Customers with a pro subscription on the simulator; a third cancel theirs afterwards.
  const customers = 60;
  const subscriptions: Stripe.Subscription[] = [];
  for (let start = 0; start < customers; start += 10) {
    subscriptions.push(...await Promise.all(Array.from({ length: 10 }, async () => {
      const customer = await simCall<Stripe.Customer>(stack, 'POST', '/v1/customers', { email: `hosts-${Math.random().toString(16).slice(2)}@example.com` });
      return simCall<Stripe.Subscription>(stack, 'POST', '/v1/subscriptions', { customer: customer.id, 'items[0][price]': 'price_pro_monthly' });
    })));
  }
  const canceled = await Promise.all(subscriptions.slice(0, customers / 3).map((sub) => simCall<Stripe.Subscription>(stack, 'DELETE', `/v1/subscriptions/${sub.id}`)));
  const created = subscriptions.map((sub) => signed('customer.subscription.created', sub));
  const deleted = canceled.map((sub) => signed('customer.subscription.deleted', sub));
  const balancer = new Balancer(stack.sockets.apis);
  const [wk1, api1] = [stack.workers[0].host, stack.apis[0].host];

  // 2. A burst, so both worker hosts hold jobs; then the first worker host loses its network.
  await balancer.deliverAll(created.slice(0, 30), 6);
  const wk2Before = await completedBy(stack, 1);
  const workerCutAt = Date.now();
  await stack.network.cut(wk1);
  await balancer.deliverAll([...created.slice(30, 45), ...deleted.slice(0, 10)], 4);

  // 3. The first api host loses its network too: the balancer's requests to it go unanswered.
  const answeredBefore = [...balancer.figures.answeredBy];
  const apiCutAt = Date.now();
  await stack.network.cut(api1);
  await balancer.deliverAll([...created.slice(45), ...deleted.slice(10)], 4);
  const answeredDuringApiCut = balancer.figures.answeredBy.map((n, i) => n - (answeredBefore[i] ?? 0));

  // 4. While the worker host is away its jobs stall and the other worker host finishes them: the
  //    burst it was working on when it was cut ends processed before it returns.
  const sent = [...created, ...deleted].map((event) => event.id);
  const unprocessed = async (ids = sent) => {
    const rows = await stack.db('stripe_events').whereIn('id', ids).whereIn('status', ['processed', 'ignored']).select<{ id: string }[]>('id');
    return ids.length - rows.length;
  };
  const burst = created.slice(0, 30).map((event) => event.id);
  await eventually(async () => (await stalledJobs(stack)) > 0 && (await unprocessed(burst)) === 0, 30_000, 250).catch(() => undefined);
  const stalled = await stalledJobs(stack);
  const burstLeft = await unprocessed(burst);
  const wk2During = (await completedBy(stack, 1)) - wk2Before;
  const takeoverMs = Date.now() - workerCutAt;

  // 5. Both hosts return; everything acknowledged ends processed, and every customer matches the oracle.
  const returnedAt = Date.now();
  await Promise.all([stack.network.reconnect(wk1), stack.network.reconnect(api1)]);
  await eventually(async () => (await unprocessed()) === 0, 90_000, 200).catch(() => undefined);
  const processedAt = Date.now();

  const policy = { pastDueGraceHours: stack.config.PAST_DUE_GRACE_HOURS, disputePolicy: stack.config.DISPUTE_POLICY };
  // No product events are sent in this run, so the service knows the operator's catalog file only.
  const catalog: Catalog = { plans: parseCatalogFile(JSON.stringify(testCatalog)).plans, productFeatures: {} };
  const oracle = new Map<string, string>();
  for (const sub of subscriptions) {
    const truth = await simCall<Stripe.Subscription>(stack, 'GET', `/v1/subscriptions/${sub.id}`);
    const state = { subscriptions: [subscriptionState(truth, { pastDueSince: null, latestInvoiceRefunded: false, latestInvoiceDispute: null })], grants: [] };
    oracle.set(typeof sub.customer === 'string' ? sub.customer : sub.customer.id, comparable(computeEntitlements(state, catalog, policy, new Date()).entitlements.map(toStored)));
  }
  const wrongStored = async () => {
    const rows = await stack.db('customers as c').leftJoin('entitlements as e', 'e.customer_id', 'c.id').whereIn('c.stripe_customer_id', [...oracle.keys()])
      .select<{ ref: string; features: StoredEntitlement[] | null }[]>('c.stripe_customer_id as ref', 'e.features');
    const stored = new Map(rows.map((row) => [row.ref, comparable(row.features ?? [])]));
    return [...oracle].filter(([ref, expected]) => stored.get(ref) !== expected).map(([ref, expected]) => `${ref}: stored ${stored.get(ref) ?? 'nothing'}, expected ${expected}`);
  };
  // Reads through each api host, the one that was cut off included (its cache tiers must not serve what it missed).
  const wrongServed = async () => {
    const wrong: string[] = [];
    for (const socket of stack.sockets.apis) {
      for (const [ref, expected] of oracle) {
        const answer = await requestVia(socket, { path: `/v1/customers/${ref}/entitlements`, headers: { authorization: `Bearer ${stack.readKey}` }, timeoutMs: 3000 }).catch(() => undefined);
        const entries = answer?.status === 200 ? (JSON.parse(answer.body) as { entitlements: StoredEntitlement[] }).entitlements : undefined;
        if (!entries || comparable(entries) !== expected) wrong.push(`${ref} through ${socket.slice(-9)}: ${answer?.status ?? 'no answer'} ${entries ? comparable(entries) : ''}, expected ${expected}`);
      }
    }
    return wrong;
  };
  await eventually(async () => (await wrongStored()).length === 0 && (await wrongServed()).length === 0, 30_000, 500).catch(() => undefined);
  const recoveredAt = Date.now();

  const figures = balancer.figures;
  t.deepEqual(figures.unacknowledged, [], 'every webhook was acknowledged by some api host');
  t.is(figures.acknowledged.size, sent.length);
  t.true(figures.failovers > 0, 'requests to the cut api host went unanswered and were sent to the other');
  t.is(answeredDuringApiCut[0], 0, 'the cut api host answered nothing while cut');
  t.true((answeredDuringApiCut[1] ?? 0) >= 25, 'the other api host answered everything sent while the first was cut');
  t.true(stalled > 0, 'jobs held by the cut worker host stalled');
  t.is(burstLeft, 0, 'the events the cut worker host was working on were finished by the other before it returned');
  t.true(wk2During > 0, 'the other worker host kept completing jobs while the first was cut');
  t.is(await unprocessed(), 0, 'lost events (acknowledged but never processed)');
  t.deepEqual(await wrongStored(), [], 'customers whose stored entitlements differ from the oracle');
  t.deepEqual(await wrongServed(), [], 'reads (through either api host) that differ from the oracle');
  const entitled = [...oracle.values()].filter((value) => value !== '[]').length;
  t.true(entitled === customers - canceled.length && canceled.length > 0, 'the oracle entitles the active customers and not the canceled ones');
  for (const worker of stack.workers) t.is(worker.child.exitCode, null, `${worker.host.name} still runs`);
  t.log(`hosts up in ${upMs} ms; ${sent.length} events through 2 api hosts (answered ${figures.answeredBy.join(' / ')}, ${figures.failovers} failovers); ` +
    `worker host cut: ${stalled} jobs stalled, and every event it held was finished by the other worker ${takeoverMs} ms after the cut (${wk2During} jobs completed by the other worker meanwhile); ` +
    `api host cut for ${returnedAt - apiCutAt} ms, the other answered ${answeredDuringApiCut[1]} webhooks; after both returned: every event processed in ${processedAt - returnedAt} ms, ` +
    `every customer matching the oracle (stored and read through both api hosts) in ${recoveredAt - returnedAt} ms`);
});
