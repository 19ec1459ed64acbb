import type { OutageMode, WeatherSettings } from '../../../tools/stripe-sim/weather.js';
import { testEnvironment } from '../environment.js';

/** The faults a chaos run injects, each at a share (0–1) of the way through the lifecycle phase. */
export interface FaultPlan {
  /** A worker process is killed with SIGKILL (and a fresh one started, as PM2 would). */
  killWorker: number[];
  /** Redis is killed and started again empty (no persistence). */
  restartRedis: number[];
  /** Postgres becomes unreachable for `postgresOutageMs`. */
  stopPostgres: number[];
}

export interface ChaosProfile {
  name: 'short' | 'full';
  /** Customers signing up through checkout. */
  customers: number;
  /** Simulated days over which the sign-ups spread (spreads renewals too). */
  signupDays: number;
  /** Simulated days of lifecycle after the sign-ups, walked in steps of `stepHours`. */
  lifeDays: number;
  stepHours: number;
  /** Customer actions (seat changes, cancellations, refunds, …) per step. */
  actionsPerStep: number;
  /** The run must emit at least this many events. */
  minEvents: number;
  faults: FaultPlan;
  /** How long Redis and Postgres stay down. */
  redisOutageMs: number;
  postgresOutageMs: number;
  /** Stripe's API weather for the service for the whole run (shares in percent). */
  stripeWeather: Omit<WeatherSettings, 'onlyKeys' | 'onlyPaths'>;
  /** A full Stripe outage from `at` (share of the lifecycle) for `ms`: longer than the job retry horizon. */
  stripeOutage: { at: number; ms: number; mode: OutageMode };
  /** Webhook chaos, in percent, and the reordering window. */
  duplicatePercent: number;
  dropPercent: number;
  reorderWindowMs: number;
  reorderBatch: number;
  /** Deliveries in flight (or awaiting a retry) before the driver waits: paces the run to the service. */
  maxBacklog: number;
  /** Upper bound of the whole test. */
  timeoutMs: number;
}

const shared = {
  duplicatePercent: 20,
  dropPercent: 5,
  reorderWindowMs: 40,
  reorderBatch: 25,
  redisOutageMs: 1500,
  postgresOutageMs: 3000,
  // 11 % of the service's calls fail (429 or 500), besides dropped connections and slow answers.
  stripeWeather: { rateLimitPercent: 7, retryAfterSeconds: 1, serverErrorPercent: 4, dropPercent: 1, slowPercent: 2, slowMs: 1000 },
} as const;

export const chaosProfiles: Record<ChaosProfile['name'], ChaosProfile> = {
  short: {
    ...shared,
    name: 'short',
    customers: 60,
    signupDays: 2,
    lifeDays: 36,
    stepHours: 12,
    actionsPerStep: 3,
    minEvents: 1000,
    // The Postgres outage comes before the Stripe outage: its check needs deliveries while it lasts,
    // and once the run is paced by a Stripe outage, too few may arrive in its three seconds.
    faults: { killWorker: [0.3], restartRedis: [0.5], stopPostgres: [0.15] },
    stripeOutage: { at: 0.25, ms: 20_000, mode: 'error' },
    maxBacklog: 120,
    timeoutMs: 240_000,
  },
  full: {
    ...shared,
    name: 'full',
    customers: 500,
    signupDays: 10,
    lifeDays: 72,
    stepHours: 6,
    actionsPerStep: 8,
    minEvents: 10_000,
    faults: { killWorker: [0.2, 0.45, 0.7], restartRedis: [0.35], stopPostgres: [0.6] },
    stripeOutage: { at: 0.4, ms: 120_000, mode: 'error' },
    maxBacklog: 200,
    timeoutMs: 30 * 60_000,
  },
};

/** `CHAOS_PROFILE=full` selects the full run; anything else the short one. */
export function chaosProfile(): ChaosProfile {
  return testEnvironment.chaosProfile === 'full' ? chaosProfiles.full : chaosProfiles.short;
}

/** `CHAOS_SEED=<n>` replays another workload and chaos pattern; the default keeps runs repeatable. */
export function chaosSeed(): number {
  const seed = Number(testEnvironment.chaosSeed);
  return Number.isSafeInteger(seed) && seed > 0 ? seed : 20_261_124;
}
