import type { NextFunction, Request, Response } from 'express';
import { AppError, badRequest } from '../../shared/errors.js';
import type { Metrics } from '../../shared/infra/metrics.js';

/** Seconds a signature's timestamp may be from now, either way (Stripe's default tolerance, applied to the future too). */
export const signatureToleranceSeconds = 300;

/** The timestamp of a well-formed `Stripe-Signature` (one `t=<seconds>` and at least one `v1=<64 hex>`), or undefined. */
function signedAt(header: string): number | undefined {
  if (header.length > 4096) return undefined;
  const parts = header.split(',').map((part) => part.trim());
  const timestamps = parts.filter((part) => part.startsWith('t='));
  if (timestamps.length !== 1 || !/^t=\d{1,12}$/.test(timestamps[0] ?? '')) return undefined;
  if (!parts.some((part) => /^v1=[0-9a-f]{64}$/.test(part))) return undefined;
  return Number(timestamps[0]?.slice(2));
}

/**
 * Refuses a webhook before a byte of its body is read when the `Stripe-Signature` header could
 * not possibly verify: missing, malformed, or dated more than {@link signatureToleranceSeconds}
 * from now in either direction. The connection is closed with the answer, so an unauthenticated
 * sender cannot make the api buffer its body. The signature itself is checked after the body.
 * Every refusal counts in `webhook_events_received_total{outcome="rejected"}`, like the handler's.
 */
export function signatureGate(metrics: Metrics, now: () => number = Date.now) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('stripe-signature');
    const refuse = (error: AppError) => {
      metrics.webhookEvents.inc({ type: 'unknown', outcome: 'rejected' });
      res.set('Connection', 'close');
      next(error);
    };
    if (!header) return refuse(badRequest('missing_signature', 'the Stripe-Signature header is missing'));
    const timestamp = signedAt(header);
    if (timestamp === undefined) return refuse(badRequest('invalid_signature', 'the Stripe-Signature header is malformed'));
    if (Math.abs(now() / 1000 - timestamp) > signatureToleranceSeconds) {
      return refuse(badRequest('invalid_signature', 'the signature timestamp is outside the tolerance'));
    }
    next();
  };
}

/**
 * A per-request deadline for the body: a sender that has not delivered the whole body within
 * `timeoutMs` gets a 408 and its connection closed, so slow bodies cannot hold sockets and buffers.
 */
export function bodyDeadline(timeoutMs: number, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      metrics.webhookEvents.inc({ type: 'unknown', outcome: 'rejected' });
      res.set('Connection', 'close');
      res.status(408).json(new AppError(408, 'invalid_request', 'body_timeout', `the request body did not arrive within ${timeoutMs} ms`).toJSON());
      res.on('finish', () => req.destroy());
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    res.once('close', clear);
    next();
  };
}
