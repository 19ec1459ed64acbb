import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { parseSimulatorArgs, start as startMain, stop as stopMain } from '../../tools/stripe-sim/main.js';
import { createSimulator, type SimulatorOptions } from '../../tools/stripe-sim/server.js';
import { eventually } from '../support/processes.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));

async function start(options: SimulatorOptions = {}) {
  const sim = await createSimulator({ seed, ...options });
  return { sim, stripe: new Stripe('sk_test_weather', sim.stripeConfig) };
}

/** What one call met, by the client's error class. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof Stripe.errors.StripeRateLimitError) return `429 retry-after ${String(error.headers?.['retry-after'])}`;
    if (error instanceof Stripe.errors.StripeAPIError) return String(error.statusCode);
    if (error instanceof Stripe.errors.StripeConnectionError) return 'connection';
    throw error;
  }
}

test('429s carry Retry-After, 500s are StripeAPIError, dropped connections StripeConnectionError', async (t) => {
  const { sim, stripe } = await start({ weather: { rateLimitPercent: 100, retryAfterSeconds: 3 } });
  t.teardown(() => sim.close());
  t.is(await outcome(stripe.customers.list()), '429 retry-after 3');
  sim.weather.set({ rateLimitPercent: 0, serverErrorPercent: 100 });
  t.is(await outcome(stripe.customers.list()), '500');
  sim.weather.set({ serverErrorPercent: 0, dropPercent: 100 });
  // stripe-node retries a closed connection once on its own: both attempts are dropped.
  t.is(await outcome(stripe.customers.create({ email: 'dropped@example.test' })), 'connection');
  t.is(sim.state.customers.size, 0, 'a dropped request was never applied');
  sim.weather.set({ dropPercent: 0 });
  t.is(await outcome(stripe.customers.list()), 'ok');
  t.like(sim.weather.figures, { requests: 5, rateLimited: 1, serverErrors: 1, dropped: 2, slowed: 0 });
});

test('a slow answer is the right answer, late: a client with a shorter timeout gives up', async (t) => {
  const { sim, stripe } = await start({ weather: { slowPercent: 100, slowMs: 300 } });
  t.teardown(() => sim.close());
  const customer = await stripe.customers.create({ email: 'slow@example.test' });
  t.is((await stripe.customers.retrieve(customer.id)).id, customer.id);
  sim.weather.set({ slowMs: 60_000 });
  const impatient = new Stripe('sk_test_weather', { ...sim.stripeConfig, timeout: 200 });
  t.is(await outcome(impatient.customers.list()), 'connection');
  t.is(sim.weather.figures.slowed, 3);
});

test('each request draws once: the figures count exactly what the client met, each kind in its share', async (t) => {
  const { sim } = await start({ weather: { rateLimitPercent: 10, serverErrorPercent: 10, dropPercent: 5, slowPercent: 5, slowMs: 1 } });
  t.teardown(() => sim.close());
  // Plain fetch: stripe-node would retry a dropped connection once and hide it.
  const met: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    const kind = await fetch(`${sim.url}/v1/customers?limit=1`, { headers: { authorization: 'Bearer sk_test_weather' } })
      .then((response) => `${response.status}${response.headers.has('retry-after') ? ` retry-after ${String(response.headers.get('retry-after'))}` : ''}`, () => 'connection');
    met[kind] = (met[kind] ?? 0) + 1;
  }
  const { figures } = sim.weather;
  t.deepEqual(met, { '200': 400 - figures.rateLimited - figures.serverErrors - figures.dropped, '429 retry-after 1': figures.rateLimited, '500': figures.serverErrors, 'connection': figures.dropped });
  t.is(figures.requests, 400);
  // Seeded: the same draws on every run; each kind lands near its share.
  for (const [count, share] of [[figures.rateLimited, 10], [figures.serverErrors, 10], [figures.dropped, 5], [figures.slowed, 5]] as const) {
    t.true(count > share * 2 && count < share * 8, `${count} of 400 for a ${share} % share`);
  }
});

test('a full outage refuses every request until it ends, by itself or when told', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  sim.weather.startOutage();
  t.deepEqual(await Promise.all([outcome(stripe.customers.list()), outcome(stripe.products.list())]), ['503', '503']);
  sim.weather.endOutage();
  t.is(await outcome(stripe.customers.list()), 'ok');
  sim.weather.startOutage(Infinity, 'drop');
  t.is(await outcome(stripe.customers.list()), 'connection');
  sim.weather.startOutage(200);
  t.is(await outcome(stripe.customers.list()), '503');
  await eventually(async () => (await outcome(stripe.customers.list())) === 'ok');
  t.is(sim.weather.outage, null);
  t.is(sim.weather.figures.outages, 3);
  t.true(sim.weather.figures.refusedWhileDown >= 4);
});

test('onlyKeys: the weather hits the service under test, not the client driving the scenario', async (t) => {
  const { sim, stripe } = await start({ weather: { serverErrorPercent: 100, onlyKeys: ['sk_test_service'] } });
  t.teardown(() => sim.close());
  const service = new Stripe('sk_test_service', sim.stripeConfig);
  t.is(await outcome(service.customers.list()), '500');
  t.is(await outcome(stripe.customers.list()), 'ok');
  sim.weather.startOutage();
  t.is(await outcome(stripe.customers.list()), 'ok');
  t.is(await outcome(service.customers.list()), '503');
  t.like(sim.weather.figures, { requests: 2, serverErrors: 1, refusedWhileDown: 1 });
});

test('the control API sets the weather, starts and ends outages, and refuses shares above 100 %', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/_sim${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { settings: Record<string, unknown>; outage: unknown; figures: Record<string, number>; error?: { code: string } } };
  };
  const set = await control('POST', '/weather', { rateLimitPercent: 100, retryAfterSeconds: 2 });
  t.is(set.status, 200);
  t.like(set.body.settings, { rateLimitPercent: 100, retryAfterSeconds: 2, serverErrorPercent: 0 });
  t.is(await outcome(stripe.customers.list()), '429 retry-after 2');
  const refused = await control('POST', '/weather', { serverErrorPercent: 10 });
  t.is(refused.status, 400);
  t.is(refused.body.error?.code, 'parameter_invalid');
  t.is((await control('POST', '/weather', { rateLimitPercent: 0 })).status, 200);
  const down = await control('POST', '/weather/outage', { mode: 'error' });
  t.like(down.body.outage, { mode: 'error' });
  t.is(await outcome(stripe.customers.list()), '503');
  t.is((await control('DELETE', '/weather/outage')).body.outage, null);
  t.is(await outcome(stripe.customers.list()), 'ok');
  t.like((await control('GET', '/weather')).body.figures, { requests: 3, rateLimited: 1, refusedWhileDown: 1, outages: 1 });
});

test('command line: weather flags become settings, and --api-down-after-ms takes the API down', async (t) => {
  const parsed = parseSimulatorArgs([
    '--api-429-percent', '8', '--api-retry-after', '2', '--api-500-percent', '4', '--api-drop-percent', '1', '--api-slow-percent', '2',
    '--api-slow-ms', '1500', '--api-weather-key', 'sk_test_a', '--api-weather-key', 'sk_test_b', '--api-down-after-ms', '10', '--api-down-for-ms', '5000',
  ]);
  t.deepEqual(parsed.weather, { rateLimitPercent: 8, retryAfterSeconds: 2, serverErrorPercent: 4, dropPercent: 1, slowPercent: 2, slowMs: 1500, onlyKeys: ['sk_test_a', 'sk_test_b'] });
  t.deepEqual(parsed.outage, { afterMs: 10, forMs: 5000 });
  t.deepEqual(parseSimulatorArgs([]).weather, {});
  t.throws(() => parseSimulatorArgs(['--api-down-for-ms', '5']), { message: /--api-down-for-ms needs --api-down-after-ms/ });
  t.throws(() => parseSimulatorArgs(['--api-500-percent', 'lots']), { message: /--api-500-percent must be a number/ });

  const sim = await startMain(['--port', '0', '--quiet', '--api-500-percent', '100', '--api-down-after-ms', '0']);
  t.teardown(stopMain);
  if (!sim) return t.fail('the simulator did not start');
  t.like(sim.weather.settings, { serverErrorPercent: 100 });
  const stripe = new Stripe('sk_test_cli', sim.stripeConfig);
  await eventually(async () => (await outcome(stripe.customers.list())) === '503');
  t.like(sim.weather.outage, { mode: 'error', until: Infinity });
});
