import type { PathItem } from '../types.js';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  description: 'Makes client retries return the same session (1–255 printable ASCII characters).',
  schema: { type: 'string' },
};
const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '409': { description: 'Conflict (e.g. `already_subscribed`, `customer_deleted`, `idempotency_conflict`).', content: json({ $ref: '#/components/schemas/Error' }) },
  '429': { description: 'Stripe rate limits us (`stripe_rate_limited`); see `Retry-After`.', content: json({ $ref: '#/components/schemas/Error' }) },
  '502': { description: 'Stripe is unavailable (`stripe_unavailable`).', content: json({ $ref: '#/components/schemas/Error' }) },
};
const returnUrl = { type: 'string', format: 'uri', maxLength: 2048 };
const userId = { type: 'string', pattern: '^[\\w.:@|+-]{1,200}$' };

/** Checkout and billing portal sessions (scope write): both call Stripe. */
export const sessionPaths: Record<string, PathItem> = {
  '/v1/checkout/sessions': {
    post: {
      operationId: 'createCheckoutSession',
      summary: 'Start a subscription Checkout Session for an app user',
      description: 'Needs a key with scope `write` (or `admin`). Give exactly one of `price` or `lookup_key`.',
      tags: ['billing'],
      parameters: [idempotencyKey],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          required: ['user_id', 'success_url', 'cancel_url'],
          properties: {
            user_id: userId,
            price: { type: 'string' },
            lookup_key: { type: 'string', maxLength: 200 },
            quantity: { type: 'integer', minimum: 1, default: 1 },
            success_url: returnUrl,
            cancel_url: returnUrl,
            email: { type: 'string', format: 'email' },
            trial_days: { type: 'integer', minimum: 1, maximum: 730 },
            allow_promotion_codes: { type: 'boolean' },
          },
        }),
      },
      responses: {
        '201': { description: 'The session.', content: json({ type: 'object', required: ['id', 'url'], properties: { id: { type: 'string' }, url: { type: 'string', format: 'uri' } } }) },
        ...errors,
      },
    },
  },
  '/v1/portal/sessions': {
    post: {
      operationId: 'createPortalSession',
      summary: 'Open a billing portal session for a known customer',
      description: 'Needs a key with scope `write` (or `admin`). Give exactly one of `user_id` or `customer`.',
      tags: ['billing'],
      parameters: [idempotencyKey],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          required: ['return_url'],
          properties: { user_id: userId, customer: { type: 'string', pattern: '^cus_[A-Za-z0-9]{1,250}$' }, return_url: returnUrl },
        }),
      },
      responses: {
        '201': { description: 'The session.', content: json({ type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } }) },
        '404': { description: 'No billing customer for that user (`customer_not_found`).', content: json({ $ref: '#/components/schemas/Error' }) },
        ...errors,
      },
    },
  },
};
