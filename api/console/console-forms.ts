import { z } from 'zod';
import { pageLimit } from '../admin/cursor.js';
import { timelineKinds } from './timeline.js';

/** A form field's text, or undefined when absent or empty. */
const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * The grant form in the shape of `POST /admin/grants`: an empty value is `true` (the default), a
 * numeral a number; a `datetime-local` expiry is read as UTC. Anything else is passed on as typed,
 * for the API's own schema to name.
 */
export function grantFormInput(ref: string, body: Record<string, unknown>): Record<string, unknown> {
  const value = text(body.value);
  const expires = text(body.expires_at);
  return {
    customer: ref,
    feature: body.feature,
    reason: body.reason,
    ...(value !== undefined && { value: value === 'true' ? true : /^\d+(\.\d+)?$/.test(value) ? Number(value) : value }),
    ...(expires !== undefined && { expires_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(expires) ? `${expires}:00Z` : expires }),
  };
}

/**
 * The balance form in the shape of `POST /admin/balances/adjust`: the amount a numeral (positive
 * credits, negative debits), an empty idempotency key left out. Anything else is passed on as
 * typed, for the API's own schema to name.
 */
export function adjustFormInput(ref: string, body: Record<string, unknown>): Record<string, unknown> {
  const amount = text(body.amount);
  const key = text(body.idempotency_key);
  return {
    customer: ref,
    feature: body.feature,
    reason: body.reason,
    amount: amount !== undefined && /^[+-]?\d{1,16}$/.test(amount) ? Number(amount) : amount,
    ...(key !== undefined && { idempotency_key: key }),
  };
}

/** Events selected on a form: the one button pressed (`one`), else every ticked box (`event`). */
export function selectedEvents(body: Record<string, unknown>): string[] {
  const one = text(body.one);
  if (one) return [one];
  const ticked = Array.isArray(body.event) ? body.event : body.event === undefined ? [] : [body.event];
  return [...new Set(ticked.filter((id): id is string => typeof id === 'string'))].slice(0, 200);
}

/** A path inside the console to return to after a form, or the fallback. */
export function returnPath(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/admin\/console(\/[\w%.@:+|-]+)*$/.test(value) ? value : fallback;
}

/** What the console says after a form did its work (fixed texts: nothing from the request is reflected). */
export const notices = {
  granted: 'Feature granted. The read API serves it now.',
  adjusted: 'Balance adjusted.',
  revoked: 'Grant revoked.',
  synced: 'Customer synced from Stripe.',
  replayed: 'Replay queued.',
  reconciliation: 'Reconciliation run queued.',
} as const;

export const noticeOf = (value: unknown): string | undefined => (typeof value === 'string' && value in notices ? notices[value as keyof typeof notices] : undefined);

export const customersQuery = z.object({
  q: z.string().trim().max(200, 'must be at most 200 characters').optional().transform((q) => q || undefined),
  cursor: z.string().max(1000).optional(),
  limit: pageLimit,
  done: z.string().optional(),
});

export const customerQuery = z.object({
  kind: z.enum(timelineKinds, { error: `must be one of ${timelineKinds.join(', ')}` }).optional(),
  done: z.string().optional(),
});

export const reconciliationForm = z.object({
  customer: z.string().trim().regex(/^(cus_[A-Za-z0-9]+|[\w.:@|+-]{1,200})?$/, 'must be a Stripe customer id (cus_…) or a user id').optional().transform((value) => value || undefined),
  since: z.string().trim().regex(/^(\d{4}-\d\d-\d\d)?$/, 'must be a date such as 2030-01-31').optional().transform((value) => value || undefined),
});
