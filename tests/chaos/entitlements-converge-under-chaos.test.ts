import test from 'ava';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { withTimeout } from '../../shared/infra/lifecycle.js';
import { scrapeSum } from '../support/chaos/api-metrics.js';
import { DeliveryLedger } from '../support/chaos/delivery-ledger.js';
import { inboxFigures, quiesce, runCatchUp, servedEntitlements, storedEntitlements } from '../support/chaos/convergence.js';
import { FaultInjector } from '../support/chaos/faults.js';
import { expectedEntitlements, matchesExpected, policyCoverage, simCatalog } from '../support/chaos/oracle.js';
import { chaosProfile, chaosSeed } from '../support/chaos/profile.js';
import { startChaosStack } from '../support/chaos/stack.js';
import { retryHorizonMs, StripeWeather } from '../support/chaos/stripe-weather.js';
import { driveWorkload } from '../support/chaos/workload.js';

/**
 * The chaos run: the Stripe simulator plays a customer base's lifecycle against the real api and
 * workers while it duplicates, reorders and drops webhooks, a worker is SIGKILLed, Redis restarts
 * empty and Postgres goes away; all the while Stripe answers the service with 429s, 500s, dropped
 * connections and slow answers, and goes fully down for longer than the jobs' retry horizon.
 * After the events catch-up, every customer's entitlements must equal
 * the pure entitlement function applied to the simulator's own state. `CHAOS_PROFILE=full`
 * (`npm run test:chaos`) runs the large profile; the suite runs the short one.
 */
const profile = chaosProfile();
const seed = chaosSeed();

test.serial(`chaos (${profile.name}): entitlements of every customer converge to the oracle despite duplicates, reordering, drops, crashes and Stripe's bad weather`, async (t) => {
  t.timeout(profile.timeoutMs);
  const started = Date.now();
  const stack = await startChaosStack(profile, seed);
  t.teardown(stack.close);
  t.teardown(() => {
    if (t.passed) return;
    t.log(`api output:\n${stack.api.output().slice(-4000)}`);
    for (const worker of stack.workers) t.log(`worker output:\n${worker.output().slice(-4000)}`);
  });

  // 1. Drive the lifecycle while the faults are injected in the background.
  const runStarted = new Date();
  const ledger = new DeliveryLedger(stack.sim.webhooks);
  const faults = new FaultInjector(stack, profile);
  const weather = new StripeWeather(stack, profile);
  let reported = 0;
  const workload = await driveWorkload(stack, profile, seed, (share) => {
    faults.progress(share);
    weather.progress(share);
    // The full run takes minutes: say how far it got (the short one stays quiet in the suite).
    if (profile.name === 'full' && share >= reported + 0.1) {
      reported = share;
      console.error(`chaos: ${Math.round(share * 100)} % of the lifecycle, ${stack.sim.state.events.size} events, faults ${JSON.stringify(faults.figures)}, Stripe weather ${JSON.stringify(weather.figures)}`);
    }
  });
  await faults.finish();
  await weather.outageOver();
  const drivenAt = Date.now();

  // 2. Converge: the simulator finishes its deliveries and retries, the catch-up finds what never arrived.
  await withTimeout(stack.sim.idle(), 120_000, 'webhook deliveries');
  const deliveredAt = Date.now();
  // The workers first finish what was delivered; then the catch-up adds only what never arrived.
  await quiesce(stack, Math.min(profile.timeoutMs / 4, 300_000));
  const drainedAt = Date.now();
  // A failed catch-up fails the run below, after the figures are printed.
  const catchUp = await runCatchUp(stack, Math.min(profile.timeoutMs / 4, 300_000))
    .then((result) => ({ ...result, failure: null }), (error: unknown) => ({ listed: 0, recorded: 0, waitedMs: 0, ranMs: 0, failure: String(error) }));
  const caughtUpAt = Date.now();
  const converged = await quiesce(stack, Math.min(profile.timeoutMs / 2, 300_000));
  const convergedAt = Date.now();

  // 3. Compare every customer with the oracle: the database, and what the api serves.
  const now = new Date();
  const catalog = simCatalog(stack.sim.state, stack.catalog.plans);
  const policy = { pastDueGraceHours: stack.config.PAST_DUE_GRACE_HOURS, disputePolicy: stack.config.DISPUTE_POLICY };
  const stored = await storedEntitlements(stack);
  const mismatches: string[] = [];
  const servedMismatches: string[] = [];
  const oracle: StoredEntitlement[][] = [];
  for (const { id } of workload.customers) {
    const expected = expectedEntitlements(stack.sim.state, id, catalog, policy, { from: runStarted, to: now }, now);
    oracle.push(expected.latest);
    const actual = stored.get(id);
    if (!actual || !matchesExpected(actual, expected)) mismatches.push(`${id}: stored ${JSON.stringify(actual)}, expected ${JSON.stringify(expected.latest)}`);
    const served = await servedEntitlements(stack, id);
    if (!served || !matchesExpected(served, expected)) servedMismatches.push(`${id}: served ${JSON.stringify(served)}`);
  }
  const coverage = policyCoverage(stack.sim.state, oracle);
  const inbox = await inboxFigures(stack);
  const answeredUnstored = await ledger.answeredBeforeStored(stack.db);
  const delivery = stack.sim.webhooks.stats;
  const refused = await scrapeSum(stack.apiUrl, 'http_request_duration_seconds_count', { route: '/webhooks/stripe', status: '503' });
  const recognisedDuplicates = await scrapeSum(stack.apiUrl, 'webhook_events_received_total', { outcome: 'duplicate' });
  const statuses: Record<string, number> = {};
  for (const sub of stack.sim.state.subscriptions.values()) statuses[sub.status] = (statuses[sub.status] ?? 0) + 1;

  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
  t.log(`profile ${profile.name} (seed ${seed}): ${workload.customers.length} customers, ${stack.sim.state.subscriptions.size} subscriptions ${JSON.stringify(statuses)}`);
  t.log(`events ${stack.sim.state.events.size}; deliveries ${delivery.sent} (duplicates ${delivery.duplicated}, drops ${delivery.dropped}, retried attempts ${delivery.retried}, given up ${delivery.failed})`);
  t.log(`api: ${faults.figures.refusedDuringOutages} webhooks answered 503 while Postgres was down (${refused} in all, pool waits included), ${recognisedDuplicates} duplicate deliveries recognised`);
  t.log(`faults: ${faults.figures.workerKills} worker SIGKILLs (jobs active: ${faults.figures.activeJobsAtKills.join(', ')}; of the killed worker's, found stalled: ${faults.figures.jobsStalledByKills.join(', ')}), ${faults.figures.redisRestarts} Redis restart(s) (queued jobs lost with it: ${faults.figures.jobsLostAtRedisRestarts.join(', ')}), ${faults.figures.postgresOutages} Postgres outage(s); unplanned process exits ${stack.api.unplannedExits + stack.workers.reduce((sum, w) => sum + w.unplannedExits, 0)}`);
  const storm = weather.figures;
  const faulted = storm.rateLimited + storm.serverErrors + storm.dropped;
  const horizon = retryHorizonMs(stack.config);
  t.log(`Stripe weather: ${storm.requests} API calls by the service, ${faulted} failed (${(100 * faulted / Math.max(1, storm.requests - storm.refusedWhileDown)).toFixed(1)} % outside the outage: 429 ${storm.rateLimited}, 500 ${storm.serverErrors}, connection dropped ${storm.dropped}), ${storm.slowed} slowed by ${profile.stripeWeather.slowMs} ms; outage of ${seconds(storm.downAt, storm.backAt)} (job retry horizon ${(horizon / 1000).toFixed(1)} s) refused ${storm.refusedWhileDown} calls; converged ${seconds(storm.backAt, convergedAt)} after Stripe came back`);
  t.log(`catch-up: ${catchUp.failure ?? 'done'}; listed ${catchUp.listed}, recorded ${catchUp.recorded} events the inbox never received (queued ${catchUp.waitedMs} ms, ran ${catchUp.ranMs} ms); events answered 2xx ${ledger.answered}, of which not stored when answered ${answeredUnstored.length}`);
  t.log(`inbox ${inbox.rows} rows ${JSON.stringify(inbox.byStatus)}, missing ${inbox.missing.length}, dead letters ${inbox.deadLetters}, failed jobs ${inbox.failedJobs}`);
  t.log(`actions ${JSON.stringify(workload.actions)}; reads during the run ${workload.reads}`);
  t.log(`oracle: ${JSON.stringify(coverage)}`);
  t.log(`mismatches: stored ${mismatches.length}, served ${servedMismatches.length}`);
  t.log(`time: setup ${seconds(started, runStarted.getTime())}, driving ${seconds(runStarted.getTime(), drivenAt)}, to converge after driving ${seconds(drivenAt, convergedAt)} (last retries delivered ${seconds(drivenAt, deliveredAt)}, worker backlog done ${seconds(deliveredAt, drainedAt)}, catch-up ${seconds(drainedAt, caughtUpAt)}, its events processed ${seconds(caughtUpAt, convergedAt)}), whole test ${seconds(started, Date.now())}`);
  for (const line of [...mismatches, ...servedMismatches].slice(0, 5)) t.log(line);

  t.true(stack.sim.state.events.size >= profile.minEvents, `at least ${profile.minEvents} events`);
  t.is(workload.customers.length, profile.customers);
  t.true(Object.values(coverage).every((n) => n > 0), 'the final state exercises every policy path the oracle checks');
  t.true(delivery.duplicated > 0 && delivery.dropped > 0, 'the simulator duplicated and dropped deliveries');
  t.deepEqual(
    [faults.figures.workerKills, faults.figures.redisRestarts, faults.figures.postgresOutages],
    [profile.faults.killWorker.length, profile.faults.restartRedis.length, profile.faults.stopPostgres.length],
  );
  t.true(faults.figures.refusedDuringOutages > 0, 'deliveries during the Postgres outage were refused with 503');
  t.true(faults.figures.jobsStalledByKills.every((n) => n >= 1), 'every SIGKILL interrupted at least one job of the killed worker');
  t.true(faults.figures.jobsLostAtRedisRestarts.every((n) => n >= 1), 'every Redis restart lost at least one queued job');
  t.true(recognisedDuplicates > 0 && recognisedDuplicates >= delivery.sent - ledger.answered, 'every 2xx delivery after an event\'s first was recognised as a duplicate');
  t.is(catchUp.failure, null, 'the catch-up completed');
  t.true(catchUp.recorded <= delivery.dropped + delivery.failed, 'the final catch-up recorded only events never delivered');
  t.deepEqual(answeredUnstored, [], 'every event the api answered 2xx was in the inbox by then');
  t.true(profile.stripeWeather.rateLimitPercent + profile.stripeWeather.serverErrorPercent >= 10, 'at least 10 % of the service\'s Stripe calls fail');
  t.true(storm.rateLimited > 0 && storm.serverErrors > 0 && storm.slowed > 0, 'the service met 429s, 500s and slow answers');
  t.true(storm.backAt - storm.downAt > horizon, `the Stripe outage outlasted the job retry horizon (${horizon} ms)`);
  t.true(storm.refusedWhileDown > 0, 'the service called Stripe during the outage');
  t.true(converged, 'inbox and queues drained');
  t.deepEqual(inbox.missing, [], 'every event Stripe sent is in the inbox');
  t.is((inbox.byStatus.received ?? 0) + (inbox.byStatus.queued ?? 0) + (inbox.byStatus.failed ?? 0) + (inbox.byStatus.dead ?? 0), 0, 'no inbox row stuck or dead');
  t.is(inbox.deadLetters, 0);
  t.is(inbox.failedJobs, 0);
  t.is(mismatches.length, 0, 'stored entitlements equal the oracle for every customer');
  t.is(servedMismatches.length, 0, 'the api serves the same');
});
