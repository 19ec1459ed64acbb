/**
 * The retry policy of the service, in one place. Two layers use it:
 *
 * - **Each Stripe call** (every process, every path: events, syncs, reconciliation, catch-up, the
 *   api's checkout, portal and sync) retries a transient answer a few times within seconds:
 *   429, 409, 5xx, a dropped connection or a timeout, unless Stripe says `Stripe-Should-Retry: false`;
 *   a 4xx is never retried unless Stripe says `Stripe-Should-Retry: true`. The wait honours
 *   `Retry-After`, and each attempt goes through the shared rate limit again.
 * - **Each job** retries a transient failure with capped exponential backoff and jitter: the first
 *   `JOB_ATTEMPTS` attempts double from `JOB_BACKOFF_MS`, never waiting more than
 *   `JOB_BACKOFF_MAX_MS`; after them a failure that is still transient keeps retrying at that cap
 *   until `JOB_RETRY_HORIZON_HOURS` have passed since the job was created. A Stripe outage of hours
 *   therefore delays work and dead-letters nothing; a permanent failure is dead-lettered at once.
 *
 * - **Which failures are transient** ({@link isTransient}): the one classification both layers and
 *   the job runner use, by error class and code, never by message text.
 *
 * Everything here is pure: the random source is a parameter.
 */

import type { Config } from './infra/config.js';
import { AppError, hasCode, isConnectionError, isPoolTimeout, PermanentError } from './errors.js';

interface StripeLikeError { type?: unknown; statusCode?: unknown }

/**
 * Transient: network, Postgres connection classes, Stripe 429/5xx and connection errors, Redis
 * hiccups. Permanent: {@link PermanentError}, 4xx {@link AppError}s, Stripe 4xx other than 429,
 * Postgres data errors (classes 22, 23). Unknown errors count as transient: retrying is the safe default.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentError) return false;
  if (error instanceof AppError) return error.status >= 500 || error.status === 429;
  if (isConnectionError(error) || isPoolTimeout(error)) return true;
  const stripe = error as StripeLikeError;
  if (typeof stripe.type === 'string' && stripe.type.startsWith('Stripe')) {
    if (stripe.type === 'StripeConnectionError' || stripe.type === 'StripeAPIError' || stripe.type === 'StripeRateLimitError') return true;
    const status = typeof stripe.statusCode === 'number' ? stripe.statusCode : 500;
    return status === 429 || status >= 500;
  }
  if (hasCode(error) && typeof error.code === 'string' && /^2[23][0-9A-Z]{3}$/.test(error.code)) return false;
  return true;
}

/** The backoff type every job names: capped exponential with jitter, computed by the workers' `backoffStrategy` with {@link backoffDelayMs}. */
export const cappedBackoff = 'capped-exponential';

/** The attempts and backoff every job gets by default (shared/infra/queues.ts). */
export function jobBackoffOptions(config: Pick<Config, 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS'>): { attempts: number; backoff: { type: string; delay: number } } {
  return { attempts: config.JOB_ATTEMPTS, backoff: { type: cappedBackoff, delay: config.JOB_BACKOFF_MS } };
}

/** A wait Stripe asked for on the error that failed an attempt (a 429's `Retry-After`), in ms. */
export function askedWaitMs(error: unknown): number | undefined {
  const headers = (error as { headers?: Record<string, string> } | undefined)?.headers;
  return headers ? retryAfterMs(headers['retry-after']) : undefined;
}

export interface Backoff {
  /** First delay in ms. */
  baseMs: number;
  /** Largest delay in ms. */
  maxMs: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry): `baseMs · 2^(retry-1)`, capped at
 * `maxMs`, then drawn from its upper half (jitter spreads retries that failed together) and never
 * below `baseMs`.
 */
export function backoffDelayMs(retry: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = backoff.baseMs * 2 ** Math.max(0, Math.min(retry - 1, 40));
  const capped = Math.min(exponential, backoff.maxMs);
  return Math.round(Math.max(Math.min(backoff.baseMs, backoff.maxMs), capped * (0.5 + random() / 2)));
}

/** `Retry-After` in ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Whether a Stripe answer is worth another try: Stripe's own `Stripe-Should-Retry` decides when
 * present; otherwise 409 (a lock or an idempotent request still running), 429 and every 5xx.
 */
export function stripeStatusIsTransient(status: number, headers: Headers): boolean {
  const advice = header(headers, 'stripe-should-retry');
  if (advice === 'false') return false;
  if (advice === 'true') return true;
  return status === 409 || status === 429 || status >= 500;
}

/**
 * The wait before the next attempt of a Stripe call: `Retry-After` when Stripe gave one (it knows
 * best when its limit frees up), else the backoff. `undefined` means "give up at this layer": the
 * wait Stripe asks for is longer than this layer may wait, so the job's own retry takes over.
 */
export function stripeRetryWaitMs(retry: number, backoff: Backoff, headers: Headers, random: () => number = Math.random): number | undefined {
  const asked = retryAfterMs(header(headers, 'retry-after'));
  if (asked === undefined) return backoffDelayMs(retry, backoff, random);
  return asked <= backoff.maxMs ? Math.max(asked, Math.round(backoff.baseMs / 2)) : undefined;
}

export interface JobRetryPolicy {
  /** Attempts with doubling backoff before the slow phase. */
  attempts: number;
  backoff: Backoff;
  /** How long after its creation a job keeps retrying transient failures. */
  horizonMs: number;
}

/**
 * What a worker does with a failed attempt: `retry` after `delayMs` (BullMQ's own backoff while
 * attempts remain, an explicit delay after), or `dead` (permanent, or transient past the horizon).
 */
export type JobFailureDecision = { kind: 'retry'; delayMs: number; beyondAttempts: boolean } | { kind: 'dead' };

export function decideJobFailure(input: { transient: boolean; attemptsMade: number; createdAt: number; now: number }, policy: JobRetryPolicy, random: () => number = Math.random): JobFailureDecision {
  if (!input.transient) return { kind: 'dead' };
  const delayMs = backoffDelayMs(input.attemptsMade, policy.backoff, random);
  if (input.attemptsMade < policy.attempts) return { kind: 'retry', delayMs, beyondAttempts: false };
  if (input.now + delayMs - input.createdAt > policy.horizonMs) return { kind: 'dead' };
  return { kind: 'retry', delayMs, beyondAttempts: true };
}

/** The job retry policy from configuration. */
export function jobRetryPolicy(config: Pick<Config, 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS' | 'JOB_BACKOFF_MAX_MS' | 'JOB_RETRY_HORIZON_HOURS'>): JobRetryPolicy {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoff: { baseMs: config.JOB_BACKOFF_MS, maxMs: Math.max(config.JOB_BACKOFF_MS, config.JOB_BACKOFF_MAX_MS) },
    horizonMs: config.JOB_RETRY_HORIZON_HOURS * 3_600_000,
  };
}

/** The Stripe call retry policy from configuration. */
export function stripeCallBackoff(config: Pick<Config, 'STRIPE_RETRY_BASE_MS' | 'STRIPE_RETRY_MAX_MS'>): Backoff {
  return { baseMs: config.STRIPE_RETRY_BASE_MS, maxMs: Math.max(config.STRIPE_RETRY_BASE_MS, config.STRIPE_RETRY_MAX_MS) };
}
