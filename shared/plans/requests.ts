import { z } from 'zod';

/** Price ids and lookup keys, as checkout accepts them. */
const priceId = z.string().regex(/^[\w.-]{1,255}$/, 'must be a Stripe price id such as price_123');
const lookupKey = z.string().min(1).max(200).regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const subscriptionId = z.string().regex(/^sub_\w{1,250}$/, 'must be a Stripe subscription id such as sub_123');

/** Seconds since the epoch, as Stripe's `proration_date` (never in the future by more than a clock skew). */
const unixSeconds = z.int().min(1_000_000_000).max(10_000_000_000);

/** Exactly one of `price` and `lookup_key`, checked even when other fields are bad, so one answer names every bad field. */
const onePrice = (value: { price?: unknown; lookup_key?: unknown }): boolean => (value.price === undefined) !== (value.lookup_key === undefined);
const onePriceIssue = { path: ['price'], message: 'give exactly one of price or lookup_key', when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

const target = {
  /** The subscription to change; needed only when the customer has more than one that is live. */
  subscription: subscriptionId.optional(),
  price: priceId.optional(),
  lookup_key: lookupKey.optional(),
  quantity: z.int().min(1).optional(),
  proration_date: unixSeconds.optional(),
};

/** `POST …/subscription/preview`: what a change would cost. */
export const previewRequestSchema = z.strictObject({
  ...target,
  proration_behavior: z.enum(['create_prorations', 'always_invoice', 'none']).optional(),
}).refine(onePrice, onePriceIssue);

/** `POST …/subscription/change`: the change itself; `apply` overrides the configured timing of an upgrade or a downgrade. */
export const changeRequestSchema = z.strictObject({
  ...target,
  proration_behavior: z.enum(['create_prorations', 'always_invoice', 'none']).optional(),
  apply: z.enum(['now', 'period_end']).optional(),
}).refine(onePrice, onePriceIssue);

/** `POST …/subscription/cancel`: at the end of the paid period (default) or now. */
export const cancelRequestSchema = z.strictObject({
  subscription: subscriptionId.optional(),
  at: z.enum(['period_end', 'now']).default('period_end'),
});

/** `POST …/subscription/resume`: undoes a cancellation at period end. */
export const resumeRequestSchema = z.strictObject({ subscription: subscriptionId.optional() });

export type PreviewRequest = z.infer<typeof previewRequestSchema>;
export type ChangeRequest = z.infer<typeof changeRequestSchema>;
export type CancelRequest = z.infer<typeof cancelRequestSchema>;
export type ResumeRequest = z.infer<typeof resumeRequestSchema>;
