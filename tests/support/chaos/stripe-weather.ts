import type { Config } from '../../../shared/config.js';
import { defaultJobOptions } from '../../../shared/queues.js';
import type { WeatherFigures } from '../../../tools/stripe-sim/weather.js';
import type { ChaosProfile } from './profile.js';
import type { ChaosStack } from './stack.js';

/**
 * How long a job keeps retrying before BullMQ gives up on it: the sum of every backoff delay
 * between its `attempts` (exponential doubling, jitter at most shortening it). An outage longer
 * than this outlasts the queue's own retries.
 */
export function retryHorizonMs(config: Config): number {
  const { attempts = 1, backoff } = defaultJobOptions(config);
  if (backoff === undefined || typeof backoff === 'number') return (backoff ?? 0) * (attempts - 1);
  const delay = backoff.delay ?? 0;
  if (backoff.type === 'fixed') return delay * (attempts - 1);
  if (backoff.type !== 'exponential') throw new Error(`no retry horizon known for a '${backoff.type}' backoff`);
  return delay * (2 ** (attempts - 1) - 1);
}

export interface StripeWeatherFigures extends WeatherFigures {
  /** Epoch ms the outage began and ended (0 until then). */
  downAt: number;
  backAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stripe's bad weather for the service under test (its secret key only: the workload drives the
 * simulator in fair weather): the profile's share of 429s, 500s, dropped connections and slow
 * answers from the start to the end of the run, and one full outage from `at` of the lifecycle.
 */
export class StripeWeather {
  #downAt = 0;
  #backAt = 0;
  #outage: Promise<void> | undefined;

  constructor(private readonly stack: ChaosStack, private readonly profile: ChaosProfile) {
    stack.sim.weather.set({ ...profile.stripeWeather, onlyKeys: [stack.config.STRIPE_SECRET_KEY] });
  }

  /** Starts the outage once the run is `share` (0–1) of the way through; does not wait for it. */
  progress(share: number): void {
    if (this.#outage || share < this.profile.stripeOutage.at) return;
    this.#downAt = Date.now();
    this.stack.sim.weather.startOutage(Infinity, this.profile.stripeOutage.mode);
    this.#outage = sleep(this.profile.stripeOutage.ms).then(() => {
      this.stack.sim.weather.endOutage();
      this.#backAt = Date.now();
    });
  }

  /** Starts the outage if it is still due and waits until Stripe is back (the other faults go on). */
  async outageOver(): Promise<void> {
    this.progress(1);
    await this.#outage;
  }

  get figures(): StripeWeatherFigures {
    return { ...this.stack.sim.weather.figures, downAt: this.#downAt, backAt: this.#backAt };
  }
}
