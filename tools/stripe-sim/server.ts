import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type Stripe from 'stripe';
import { createApiRouter } from './api.js';
import { createClock, type SimClock } from './clock.js';
import type { SimContext } from './context.js';
import { createControlRouter } from './control.js';
import { createLocalDriver, type SimDriver } from './driver.js';
import { createEventLog } from './events.js';
import { IdempotencyCache } from './idempotency.js';
import { createIds } from './ids.js';
import { createOperations, type SimOperations } from './operations.js';
import { createPageRouter } from './pages/index.js';
import type { AdvanceResult } from './ops/clock-advance.js';
import { createRandom } from './random.js';
import { registerResources } from './resources/index.js';
import { applySeed, readSeedFile, type SimSeed } from './seed.js';
import { clearStore, createStore, snapshotStore, type SimStore } from './store.js';
import { Weather, type WeatherSettings } from './weather.js';
import { WebhookDelivery, type WebhookOptions } from './webhooks/delivery.js';

export interface SimulatorOptions {
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** A catalog to start from: the object, or a path to a JSON seed file. */
  seed?: SimSeed | string;
  /** Simulated clock start, unix seconds. @defaultValue now */
  clockStart?: number;
  /** Seed for ids and chaos decisions, so runs repeat. @defaultValue 1 */
  randomSeed?: number;
  /** When set, the only secret key accepted; otherwise any `sk_test_…`. */
  apiKey?: string;
  /** Where to deliver events; none when absent (events are still listed). */
  webhook?: WebhookOptions;
  /** Bad weather on the API: 429s, 500s, dropped connections, slow answers. @defaultValue none */
  weather?: Partial<WeatherSettings>;
}

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:50123`. */
  readonly url: string;
  readonly port: number;
  readonly state: SimStore;
  readonly clock: SimClock;
  readonly ops: SimOperations;
  /** The same operations behind the `SimDriver` interface scenarios use. */
  readonly driver: SimDriver;
  readonly webhooks: WebhookDelivery;
  /** The API's weather: change its settings or start an outage at any time. */
  readonly weather: Weather;
  /** Options for `new Stripe(key, …)` pointing at this simulator. */
  readonly stripeConfig: { host: string; port: number; protocol: 'http'; maxNetworkRetries: 0 };
  advance(seconds: number): AdvanceResult;
  /** Resolves when the webhook queue is empty (nothing held, in flight or awaiting retry). */
  idle(): Promise<void>;
  /** Every event so far, oldest first. */
  events(): Stripe.Event[];
  /** Calls `listener` with each new event as it is emitted; returns an unsubscribe function. */
  onEvent(listener: (event: Stripe.Event) => void): () => void;
  snapshot(): Record<string, unknown>;
  /** Empties the state and reloads the seed; the clock keeps its time. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a Stripe API simulator on an HTTP port; see tools/stripe-sim/README in the report. */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const random = createRandom(options.randomSeed ?? 1);
  const store = createStore();
  const clock = createClock(options.clockStart);
  const ids = createIds(random);
  const webhooks = new WebhookDelivery(createRandom((options.randomSeed ?? 1) + 7919), options.webhook ?? null);
  const events = createEventLog(store, clock, ids, () => webhooks.endpointCount);
  let baseUrl = '';
  const ctx: SimContext = { store, clock, ids, random, events, baseUrl: () => baseUrl };
  const seed = typeof options.seed === 'string' ? readSeedFile(options.seed) : options.seed;
  const loadSeed = (): void => { if (seed) applySeed(ctx, seed); };
  loadSeed();

  events.subscribe((event) => webhooks.enqueue(event));
  const weather = new Weather(createRandom((options.randomSeed ?? 1) + 104_729), options.weather);
  const idempotency = new IdempotencyCache();
  const ops = createOperations(ctx);
  const reset = (): void => {
    clearStore(store);
    idempotency.clear();
    loadSeed();
  };

  const app = express();
  app.disable('x-powered-by');
  app.use('/v1', weather.middleware(), createApiRouter(ctx, { apiKey: options.apiKey, idempotency }, (routes) => registerResources(routes, ctx)));
  // The hosted checkout and portal pages the sessions' `url`s point at.
  app.use(createPageRouter(ctx, ops));
  app.use('/_sim', createControlRouter({ ops, webhooks, weather, now: () => clock.now(), state: () => snapshotStore(store), reset }));

  const server: Server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  baseUrl = `http://${address}:${port}`;

  return {
    url: baseUrl,
    port,
    state: store,
    clock,
    ops,
    driver: createLocalDriver(ops),
    webhooks,
    weather,
    stripeConfig: { host: address, port, protocol: 'http', maxNetworkRetries: 0 },
    advance: (seconds) => ops.advance(seconds),
    idle: () => webhooks.idle(),
    events: () => [...store.events.values()],
    onEvent: (listener) => events.subscribe(listener),
    snapshot: () => snapshotStore(store),
    reset,
    async close() {
      webhooks.close();
      weather.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
