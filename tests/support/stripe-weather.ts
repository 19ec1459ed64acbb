import { ListingStripeState } from './stripe-lists.js';
import type { StripeAnswer } from './stripe-state.js';

/** A small seeded generator (mulberry32): the same seed makes the same weather. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Weather {
  /** Share of requests answered 429 with `Retry-After`. */
  rateLimited: number;
  /** Share of requests answered 500. */
  serverErrors: number;
  /** `Retry-After` of the 429s, in seconds. @defaultValue 1 */
  retryAfterSeconds?: number;
  seed?: number;
}

/**
 * A listing Stripe in bad weather: a seeded share of requests is answered 429 (with `Retry-After`)
 * or 500, and `down` answers every request 503 (an outage). `faults` counts what was injected, so
 * a test can require that the weather actually happened.
 */
export class WeatheredStripeState extends ListingStripeState {
  down = false;
  readonly faults = { rateLimited: 0, serverErrors: 0, outage: 0 };
  private readonly random: () => number;

  constructor(private readonly weather: Weather) {
    super();
    this.random = seeded(weather.seed ?? 7);
  }

  override answer(method: string, url: string): StripeAnswer {
    if (this.down) {
      this.faults.outage += 1;
      return [503, { error: { type: 'api_error', message: 'Stripe is down (test outage)' } }];
    }
    const draw = this.random();
    if (draw < this.weather.rateLimited) {
      this.faults.rateLimited += 1;
      return [429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests (test weather)' } }, { 'Retry-After': String(this.weather.retryAfterSeconds ?? 1) }];
    }
    if (draw < this.weather.rateLimited + this.weather.serverErrors) {
      this.faults.serverErrors += 1;
      return [500, { error: { type: 'api_error', message: 'Something went wrong (test weather)' } }];
    }
    return super.answer(method, url);
  }
}
