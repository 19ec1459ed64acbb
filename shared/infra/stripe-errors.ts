import { AppError } from '../errors.js';
import { Stripe } from './stripe.js';

/** A Stripe failure as the api answers it: our error, an optional `Retry-After`, and how loudly to log it. */
export interface StripeFailure {
  error: AppError;
  /** Seconds; set for rate limits, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** `error`: our own configuration is wrong (bad key, missing permission); `warn`: Stripe or the network failed; `info`: the caller's request. */
  level: 'error' | 'warn' | 'info';
}

type StripeError = Stripe.errors.StripeError;

/** Stripe rarely sends `Retry-After` on a 429; this is the answer then. @defaultValue 2 */
export const defaultRetryAfterSeconds = 2;

const unavailable = (): StripeFailure => ({
  error: new AppError(502, 'upstream', 'stripe_unavailable', 'the payment provider is unavailable; retry shortly'),
  level: 'warn',
});

/** Our key is wrong or lacks a permission: the caller can do nothing about it, the operator must. */
const misconfigured = (): StripeFailure => ({ ...unavailable(), level: 'error' });

function retryAfter(error: StripeError): number {
  const header = Number(error.headers?.['retry-after']);
  return Number.isFinite(header) && header > 0 ? Math.min(Math.ceil(header), 300) : defaultRetryAfterSeconds;
}

function stripeDetails(error: StripeError): Record<string, unknown> {
  return { ...(error.param && { param: error.param }), ...(error.code && { stripe_code: error.code }) };
}

function rateLimited(error: StripeError): StripeFailure {
  const seconds = retryAfter(error);
  return {
    error: new AppError(429, 'rate_limit', 'stripe_rate_limited', `the payment provider is rate limiting us; retry after ${seconds} s`, { retry_after: seconds }),
    retryAfterSeconds: seconds,
    level: 'warn',
  };
}

/**
 * Policy, by the stripe package's error class (its `type`), never by message text:
 * card → 402 and invalid request → 400, both with Stripe's message (it is written for the caller);
 * idempotency → 409 (a key reused with other parameters, or still in flight); rate limit → 429 with
 * `Retry-After`; API, connection and any 5xx → 502; authentication and permission → 502 logged as error.
 */
const byType: Record<string, (error: StripeError) => StripeFailure> = {
  StripeCardError: (error) => ({
    error: new AppError(402, 'invalid_request', 'card_error', error.message, { ...stripeDetails(error), ...(error.decline_code && { decline_code: error.decline_code }) }),
    level: 'info',
  }),
  StripeInvalidRequestError: (error) => ({
    error: new AppError(400, 'invalid_request', 'stripe_invalid_request', error.message, stripeDetails(error)),
    level: 'info',
  }),
  StripeIdempotencyError: (error) => ({
    error: new AppError(409, 'conflict', 'idempotency_conflict', error.message || 'the idempotency key was already used with other parameters, or that request is still running'),
    level: 'info',
  }),
  StripeRateLimitError: rateLimited,
  StripeAPIError: unavailable,
  StripeConnectionError: unavailable,
  StripeAuthenticationError: misconfigured,
  StripePermissionError: misconfigured,
};

export function isStripeError(error: unknown): error is StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/** Stripe answered 404: the object, or the customer a list is scoped to, is not there. */
export function isStripeNotFound(error: unknown): boolean {
  return isStripeError(error) && error.statusCode === 404;
}

/**
 * The key was used with other parameters (400, `StripeIdempotencyError`) or its first request is
 * still running (409, which the stripe package files under `StripeAPIError`; Stripe's own error
 * type says `idempotency_error`).
 */
export function isIdempotencyError(error: unknown): boolean {
  return isStripeError(error) && (error.type === 'StripeIdempotencyError' || error.rawType === 'idempotency_error');
}

/** The api's answer to a Stripe error, or undefined when `error` did not come from Stripe. */
export function translateStripeError(error: unknown): StripeFailure | undefined {
  if (!isStripeError(error)) return undefined;
  const translate = isIdempotencyError(error) ? byType.StripeIdempotencyError : byType[error.type];
  if (translate) return translate(error);
  if (error.statusCode === 429) return rateLimited(error);
  // Anything else (a 5xx, a class newer than this code) is Stripe's problem or ours, never the caller's.
  return error.statusCode !== undefined && error.statusCode < 500 ? misconfigured() : unavailable();
}
