import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../../shared/infra/logger.js';
import { translateStripeError } from '../../shared/infra/stripe-errors.js';

/**
 * Error middleware for the routes that call Stripe (checkout, portal): turns a Stripe error into
 * an AppError for the central handler, setting `Retry-After` first when Stripe rate limits us.
 * Other errors pass through untouched.
 */
export function stripeErrors(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, next) => {
    const failure = translateStripeError(error);
    if (!failure) {
      next(error);
      return;
    }
    const stripeError = error as { type?: string; code?: string; statusCode?: number; requestId?: string; message?: string };
    logger.log(failure.level, 'stripe request failed', {
      stripeType: stripeError.type,
      stripeCode: stripeError.code,
      stripeStatus: stripeError.statusCode,
      stripeRequestId: stripeError.requestId,
      stripeMessage: stripeError.message,
    });
    if (failure.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.retryAfterSeconds));
    next(failure.error);
  };
}
