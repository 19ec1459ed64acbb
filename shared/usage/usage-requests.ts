import { hash } from 'node:crypto';
import { z } from 'zod';
import { isFeatureName } from '../entitlements/read.js';

const DAY = 86_400_000;
const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });
const feature = z.string(required('a string')).refine(isFeatureName, 'must be 1-200 characters of letters, digits and _ . : @ + -');
const positiveInt = z.number(required('an integer greater than 0')).int('must be an integer greater than 0').min(1, 'must be an integer greater than 0').max(Number.MAX_SAFE_INTEGER, 'is too large');
const idempotencyKey = z.string(required('a string')).min(1, 'must be 1-200 characters').max(200, 'must be 1-200 characters');

/**
 * `POST /v1/customers/:ref/usage`. `occurred_at` (default: now) may lie up to 35 days back — the
 * window Stripe accepts meter events in — and at most 5 minutes ahead (clock skew).
 */
export function consumeSchema(now: () => Date = () => new Date()) {
  return z.strictObject({
    feature,
    amount: positiveInt,
    idempotency_key: idempotencyKey,
    occurred_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z' })
      .transform((text) => new Date(text))
      .refine((date) => date.getTime() >= now().getTime() - 35 * DAY, 'must be within the last 35 days')
      .refine((date) => date.getTime() <= now().getTime() + 5 * 60_000, 'must not be in the future')
      .optional(),
    properties: z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]), { error: 'must be an object of strings, numbers, booleans or nulls' })
      .refine((value) => Object.keys(value).length <= 50, 'must have at most 50 keys')
      .optional(),
  });
}
export type ConsumeRequest = z.infer<ReturnType<typeof consumeSchema>>;

/** `POST /v1/customers/:ref/usage/check`. */
export const checkSchema = z.strictObject({ feature, amount: positiveInt });
export type CheckRequest = z.infer<typeof checkSchema>;

/** `POST /v1/customers/:ref/reservations`: held for at most a day. */
export const reserveSchema = z.strictObject({
  feature,
  amount: positiveInt,
  ttl_seconds: z.number(required('an integer from 1 to 86400')).int('must be an integer from 1 to 86400').min(1, 'must be an integer from 1 to 86400').max(86_400, 'must be an integer from 1 to 86400'),
  idempotency_key: idempotencyKey,
});
export type ReserveRequest = z.infer<typeof reserveSchema>;

/** `POST /v1/reservations/:id/commit`: what the work really cost, at most what was reserved. */
export const commitSchema = z.strictObject({ amount: positiveInt });

/**
 * `POST /admin/balances/adjust`: `amount` positive credits the balance, negative debits it. The
 * key is optional: without one, each request is its own adjustment.
 */
export const adjustSchema = z.strictObject({
  customer: z.string(required('a string')).min(1, 'is required').max(200, 'must be at most 200 characters'),
  feature,
  amount: z.number(required('a non-zero integer')).int('must be a non-zero integer').refine((n) => n !== 0, 'must be a non-zero integer')
    .refine((n) => Math.abs(n) <= Number.MAX_SAFE_INTEGER, 'is too large'),
  reason: z.string(required('a string')).trim().min(1, 'is required').max(1000, 'must be at most 1000 characters'),
  idempotency_key: idempotencyKey.optional(),
});
export type AdjustRequest = z.infer<typeof adjustSchema>;

/** Fingerprint of what a request asks for: the same key with another fingerprint is a 422. */
export function requestHash(kind: string, fields: Record<string, unknown>): string {
  const canonical = JSON.stringify([kind, ...Object.keys(fields).sort().map((key) => [key, fields[key] ?? null])]);
  return hash('sha256', canonical, 'base64url');
}
