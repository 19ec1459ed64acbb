import type { PathItem } from '../types.js';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  description: 'Makes client retries return the same session (1–255 printable ASCII characters).',
  schema: { type: 'string' },
};
const userTokenHeader = {
  name: 'X-User-Token',
  in: 'header' as const,
  required: false,
  description: 'Required when `USER_TOKEN_SECRET` is set: `v1.<base64url JSON {sub, exp}>.<base64url HMAC-SHA256(secret, "v1." + payload)>`, ' +
    'minted by the app for the signed-in user, valid at most 15 minutes. The request may act only for `sub` ' +
    '(401 `user_token_required` without a valid token, 403 `user_token_mismatch` for another user).',
  schema: { type: 'string', maxLength: 2048 },
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
      description: 'Needs a key with scope `write` (or `admin`). Give exactly one of `price` or `lookup_key`. ' +
        'A trial (`trial_days`, else the catalog plan\'s `trial_days`) ends as `CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD` says when no payment method was added (`pause` or `cancel`). ' +
        'With `CHECKOUT_AUTOMATIC_TAX` the session computes tax (Stripe Tax), collects tax ids and requires a billing address. ' +
        'A `currency` the price does not offer (its own or one of its Stripe `currency_options`) is a 400 `unsupported_currency`.',
      tags: ['billing'],
      parameters: [idempotencyKey, userTokenHeader],
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
            trial_days: { type: 'integer', minimum: 1, maximum: 730, description: 'Days of free trial; absent: the catalog plan\'s `trial_days`, if any.' },
            payment_method_collection: { type: 'string', enum: ['always', 'if_required'], description: '`if_required`: a trial starts without a card (Stripe\'s default is `always`).' },
            currency: { type: 'string', pattern: '^[A-Za-z]{3}$', description: 'The customer\'s currency (ISO 4217, any case); default: the price\'s own.', examples: ['eur'] },
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
      parameters: [idempotencyKey, userTokenHeader],
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
  '/v1/customers/{ref}/sync': {
    post: {
      operationId: 'syncCustomer',
      summary: 'Fetch a customer from Stripe now and answer its fresh entitlements',
      description:
        'Needs a key with scope `write` (or `admin`). What an app calls on its checkout success page: the customer\'s ' +
        'subscriptions are fetched from Stripe and written through the same per-customer sync the webhook pipeline uses, ' +
        'so the user never sees "not paid yet" while the webhook is on its way. Only customers this service knows ' +
        '(a checkout or a webhook created them) can be synced. Answers within `SYNC_TIMEOUT_MS` (default 10 s), else 504. ' +
        'Each key is rate limited (`SYNC_RATE_LIMIT_PER_MINUTE`, `SYNC_RATE_LIMIT_BURST`): over it, 429 with `Retry-After`.',
      tags: ['billing'],
      parameters: [{ $ref: '#/components/parameters/CustomerRef' }],
      responses: {
        '200': {
          description: 'The entitlements after the sync, as `GET /v1/customers/{ref}/entitlements` answers them (with `version`), plus `changed`.',
          content: json({
            type: 'object',
            required: ['customer', 'entitlements', 'version', 'changed', 'as_of'],
            properties: {
              customer: { $ref: '#/components/schemas/Customer' },
              entitlements: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' } },
              version: {
                type: 'integer', minimum: 0,
                description: 'The entitlement version this sync left: a later read with `min_version` set to it sees at least this state on any api instance.',
              },
              changed: { type: 'boolean', description: 'Whether this sync changed the stored entitlements.' },
              as_of: { type: 'string', format: 'date-time' },
            },
          }),
        },
        '404': { description: 'No billing customer for that reference (`customer_not_found`).', content: json({ $ref: '#/components/schemas/Error' }) },
        '504': { description: 'Stripe did not answer in time (`sync_timeout`); the sync goes on in the background.', content: json({ $ref: '#/components/schemas/Error' }) },
        ...errors,
        '429': {
          description: 'This key called sync more than `SYNC_RATE_LIMIT_PER_MINUTE` times a minute, bursts of `SYNC_RATE_LIMIT_BURST` (`rate_limited`), ' +
            'or Stripe rate limits us (`stripe_rate_limited`); `Retry-After` says when to try again.',
          headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } } },
          content: json({ $ref: '#/components/schemas/Error' }),
        },
      },
    },
  },
};
