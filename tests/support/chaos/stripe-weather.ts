import type { Config } from '../../../shared/infra/config.js';
import { jobRetryPolicy, stripeCallBackoff, type Backoff } from '../../../shared/retry-policy.js';
import type { WeatherFigures } from '../../../tools/stripe-sim/weather.js';
import type { ChaosProfile } from './profile.js';
import type { ChaosStack } from './stack.js';

/**
 * How long a failing job goes through its `JOB_ATTEMPTS` attempts: every backoff between them at
 * its longest (jitter only shortens it), plus each attempt's own Stripe call retries. Past this
 * span, a job that only counted attempts would be dead-lettered; an outage longer than this is one
 * the attempts alone do not outlast.
 */
export function retryHorizonMs(config: Config): number {
  const policy = jobRetryPolicy(config);
  const call = stripeCallBackoff(config);
  const span = (backoff: Backoff, retries: number) =>
    Array.from({ length: retries }, (_, i) => Math.min(backoff.maxMs, backoff.baseMs * 2 ** i)).reduce((sum, ms) => sum + ms, 0);
  return span(policy.backoff, policy.attempts - 1) + policy.attempts * span(call, config.STRIPE_MAX_NETWORK_RETRIES);
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
