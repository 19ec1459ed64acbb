import type { SimClock } from './clock.js';
import type { EventLog } from './events.js';
import type { IdFactory } from './ids.js';
import type { Random } from './random.js';
import type { SimStore } from './store.js';

/** Everything an operation needs: state, time, ids, randomness and the event log. */
export interface SimContext {
  store: SimStore;
  clock: SimClock;
  ids: IdFactory;
  random: Random;
  events: EventLog;
  /** Base URL of this simulator, for hosted URLs (checkout, portal, invoices). */
  baseUrl(): string;
}
