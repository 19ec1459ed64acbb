import { z } from 'zod';
import { isFeatureName } from '../entitlements/read.js';

const required = { error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string') };
const reason = z.string(required).trim().min(1, 'is required').max(1000, 'must be at most 1000 characters');

/**
 * `POST /admin/grants`. `value` is `true` (default) or a non-negative number; `expires_at` an ISO
 * 8601 instant with an offset, in the future (checked against `now` when parsed).
 */
export function createGrantSchema(now: () => Date = () => new Date()) {
  return z.strictObject({
    customer: z.string(required).min(1, 'is required').max(200, 'must be at most 200 characters'),
    feature: z.string(required).refine(isFeatureName, 'must be 1-200 characters of letters, digits and _ . : @ + -'),
    value: z.union([z.literal(true), z.number().finite().nonnegative('must be true or a non-negative number')], { error: 'must be true or a non-negative number' }).default(true),
    expires_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z' })
      .transform((text) => new Date(text))
      .refine((date) => date.getTime() > now().getTime(), 'must be in the future')
      .optional(),
    reason,
  });
}

export type CreateGrantRequest = z.infer<ReturnType<typeof createGrantSchema>>;

/** `DELETE /admin/grants/:id`: the reason comes from the JSON body or the query string. */
export const revokeGrantSchema = z.object({ reason });
