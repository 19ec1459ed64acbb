import type { PathItem } from '../types.js';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const parameters = [
  { $ref: '#/components/parameters/CustomerRef' },
  {
    name: 'Idempotency-Key', in: 'header' as const, required: false, schema: { type: 'string' },
    description: 'Makes a retried request reach Stripe with the same idempotency keys, so a plan is never changed twice, and answers a retry (same key, same body, within 24 hours) with the first answer (1–255 printable ASCII characters).',
  },
  {
    name: 'X-User-Token', in: 'header' as const, required: false, schema: { type: 'string', maxLength: 2048 },
    description: 'Required when `USER_TOKEN_SECRET` is set: the request may act only for the customer of the user the token names.',
  },
];
const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '404': error('No billing customer for that reference (`customer_not_found`), or no live subscription (`no_subscription`).'),
  '409': error('Several live subscriptions and none named (`subscription_ambiguous`, with `subscriptions`), or an idempotency key reused with another body (`idempotency_conflict`).'),
  '429': error('Stripe rate limits us (`stripe_rate_limited`); see `Retry-After`.'),
  '502': error('Stripe is unavailable (`stripe_unavailable`).'),
};
const subscriptionField = { type: 'string', pattern: '^sub_\\w{1,250}$', description: 'The subscription to change; needed only when the customer has several live ones.' };
const target = {
  subscription: subscriptionField,
  price: { type: 'string', pattern: '^[\\w.-]{1,255}$', description: 'The new price (give this or `lookup_key`). It must be a plan of the catalog.' },
  lookup_key: { type: 'string', minLength: 1, maxLength: 200 },
  quantity: { type: 'integer', minimum: 1, description: 'Seats; defaults to the current quantity. Must lie within the plan\'s `quantity` limits in the catalog file.' },
  proration_date: { type: 'integer', description: 'Unix seconds. Pass the preview\'s `proration_date` to the change so the customer pays exactly what was shown.' },
  proration_behavior: { enum: ['create_prorations', 'always_invoice', 'none'], description: 'As Stripe\'s; default `create_prorations` (on the next invoice); `always_invoice` bills the difference now.' },
};
const summary = {
  type: 'object',
  required: ['id', 'status', 'cancel_at_period_end', 'current_period_end', 'items'],
  properties: {
    id: { type: 'string' }, status: { type: 'string' }, cancel_at_period_end: { type: 'boolean' }, current_period_end: { type: ['integer', 'null'] },
    items: { type: 'array', items: { type: 'object', required: ['id', 'price', 'lookup_key', 'quantity'], properties: { id: { type: 'string' }, price: { type: 'string' }, lookup_key: { type: ['string', 'null'] }, quantity: { type: 'integer' } } } },
  },
};
const outcome = {
  subscription: summary,
  entitlements: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' } },
  version: { type: 'integer', minimum: 0, description: 'The entitlement version after the change: read with `min_version` for read-your-writes.' },
};
const tags = ['billing'];

/** Plan changes, cancellation and resumption of a customer's subscription (scope write): each calls Stripe. */
export const subscriptionPaths: Record<string, PathItem> = {
  '/v1/customers/{ref}/subscription/preview': {
    post: {
      operationId: 'previewSubscriptionChange',
      summary: 'What a plan or quantity change would cost: now and on the next invoice',
      description: 'Needs scope `write`. Nothing is changed. From Stripe\'s invoice preview with `subscription_details`. A change that would apply at period end (a downgrade by default) prorates nothing.',
      tags,
      parameters,
      requestBody: { required: true, content: json({ type: 'object', additionalProperties: false, properties: target }) },
      responses: {
        '200': {
          description: 'The preview; amounts are integers in minor units of `currency`.',
          content: json({
            type: 'object',
            required: ['subscription', 'currency', 'price', 'quantity', 'applies', 'proration_date', 'proration_behavior', 'prorations', 'amount_due_now', 'next_invoice', 'lines'],
            properties: {
              subscription: { type: 'string' }, currency: { type: 'string' }, price: { type: 'string' }, quantity: { type: 'integer' },
              applies: { enum: ['now', 'period_end'] }, proration_date: { type: 'integer' }, proration_behavior: { enum: ['create_prorations', 'always_invoice', 'none'] },
              prorations: { type: 'integer', description: 'Net of the proration lines.' },
              amount_due_now: { type: 'integer', description: 'Invoiced at once (`always_invoice`), else 0.' },
              next_invoice: { type: 'object', required: ['amount_due', 'total', 'tax', 'at'], properties: { amount_due: { type: 'integer' }, total: { type: 'integer' }, tax: { type: 'integer' }, at: { type: ['integer', 'null'] } } },
              lines: { type: 'array', items: { type: 'object', required: ['description', 'amount', 'proration', 'period_start', 'period_end'], properties: { description: { type: ['string', 'null'] }, amount: { type: 'integer' }, proration: { type: 'boolean' }, period_start: { type: 'integer' }, period_end: { type: 'integer' } } } },
            },
          }),
        },
        ...errors,
      },
    },
  },
  '/v1/customers/{ref}/subscription/change': {
    post: {
      operationId: 'changeSubscription',
      summary: 'Change the plan or the quantity of a customer\'s subscription',
      description: 'Needs scope `write`. Upgrades apply at once (`PLAN_UPGRADE_APPLIES`), downgrades at the end of the period through a subscription schedule ' +
        '(`PLAN_DOWNGRADE_APPLIES`); `apply` overrides either. A plan not in the catalog is a 400 `unknown_plan` naming it; a quantity outside the plan\'s limits a 400 `quantity_out_of_range`.',
      tags,
      parameters,
      requestBody: { required: true, content: json({ type: 'object', additionalProperties: false, properties: { ...target, apply: { enum: ['now', 'period_end'] } } }) },
      responses: {
        '200': {
          description: 'The subscription as Stripe answered the change, and the customer\'s entitlements after it.',
          content: json({
            type: 'object', required: ['subscription', 'applies', 'effective_at', 'schedule', 'entitlements', 'version'],
            properties: { ...outcome, applies: { enum: ['now', 'period_end'] }, effective_at: { type: 'integer' }, schedule: { type: ['string', 'null'], description: 'The subscription schedule carrying a change at period end.' } },
          }),
        },
        ...errors,
      },
    },
  },
  '/v1/customers/{ref}/subscription/cancel': {
    post: {
      operationId: 'cancelSubscription',
      summary: 'Cancel a customer\'s subscription at the end of its period (default) or now',
      description: 'Needs scope `write`. At period end, access lasts until then and `resume` undoes it. A pending scheduled change is released first.',
      tags,
      parameters,
      requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { subscription: subscriptionField, at: { enum: ['period_end', 'now'], default: 'period_end' } } }) },
      responses: { '200': { description: 'The subscription and the entitlements after it.', content: json({ type: 'object', required: ['subscription', 'entitlements', 'version'], properties: outcome }) }, ...errors },
    },
  },
  '/v1/customers/{ref}/subscription/resume': {
    post: {
      operationId: 'resumeSubscription',
      summary: 'Undo a cancellation at period end',
      description: 'Needs scope `write`. A subscription not set to cancel is a 400 `not_canceling`.',
      tags,
      parameters,
      requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { subscription: subscriptionField } }) },
      responses: { '200': { description: 'The subscription and the entitlements after it.', content: json({ type: 'object', required: ['subscription', 'entitlements', 'version'], properties: outcome }) }, ...errors },
    },
  },
};
