import type { OpenApiDocument } from './types.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Schemas, parameters and responses shared by the paths. */
export const components: OpenApiDocument['components'] = {
  securitySchemes: {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'bk_<scope>_<random>',
      description:
        'An API key created with `billing keys create --scope read|write|stream|admin`, sent as `Authorization: Bearer <key>`. ' +
        'Scopes: `read` (entitlement reads and the event stream of one customer), `write`, `stream` (the event stream of every customer), `admin` (everything). A missing or unknown key is a 401, a key with ' +
        'too small a scope a 403. Verified keys are cached in each api process, so a revoked key stops working within ' +
        '`API_KEY_CACHE_TTL_SECONDS` (default 30 s).',
    },
  },
  schemas: {
    Error: {
      type: 'object',
      description: 'The one error shape of every route.',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['type', 'code', 'message'],
          properties: {
            type: {
              type: 'string',
              enum: ['invalid_request', 'authentication', 'permission', 'not_found', 'conflict', 'payment_required', 'rate_limit', 'unavailable', 'upstream', 'internal'],
              description: 'The class of problem.',
            },
            code: { type: 'string', description: 'Stable machine-readable code, e.g. `invalid_ref`, `unauthorized`.' },
            message: { type: 'string', description: 'For humans; may change.' },
            param: { type: 'string', description: 'On a 400: the first bad field or parameter.' },
            fields: {
              type: 'array',
              description: 'On a 400 for a malformed body or query: every bad field, with what is wrong with it.',
              items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
    Readiness: {
      type: 'object',
      required: ['status', 'checks'],
      properties: {
        status: { type: 'string', enum: ['ready', 'unavailable', 'draining'], description: '`draining`: the instance is stopping; send it nothing new' },
        checks: {
          type: 'object',
          required: ['postgres', 'redis'],
          properties: { postgres: { type: 'string', enum: ['ok', 'down'] }, redis: { type: 'string', enum: ['ok', 'down'] } },
        },
      },
    },
    Customer: {
      type: 'object',
      required: ['id', 'stripe_customer_id', 'user_id'],
      properties: {
        id: { type: 'string', format: 'uuid', description: "The service's id of the customer." },
        stripe_customer_id: { type: ['string', 'null'], examples: ['cus_R2x9Lq'] },
        user_id: { type: ['string', 'null'], description: "The app's user id, when the customer carries one." },
      },
    },
    Entitlement: {
      type: 'object',
      required: ['feature', 'value', 'sources', 'expires_at'],
      properties: {
        feature: { type: 'string', examples: ['pro', 'seats'] },
        value: {
          description: '`true` for a boolean feature, or a number (a quota or a seat count; several sources add up).',
          oneOf: [{ type: 'boolean', const: true }, { type: 'number' }],
        },
        sources: {
          type: 'array',
          description: 'What grants the feature: subscriptions and manual grants.',
          items: {
            type: 'object',
            required: ['kind', 'id'],
            properties: { kind: { type: 'string', enum: ['subscription', 'grant'] }, id: { type: 'string' } },
          },
        },
        expires_at: { type: ['string', 'null'], format: 'date-time', description: 'When the value changes by itself; null when it does not.' },
      },
    },
    CustomerEntitlements: {
      type: 'object',
      required: ['customer', 'entitlements', 'version', 'as_of'],
      properties: {
        customer: {
          description: 'The customer the reference names, or null when the service knows no such customer.',
          oneOf: [{ $ref: '#/components/schemas/Customer' }, { type: 'null' }],
        },
        entitlements: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' }, description: 'Sorted by feature; empty for an unknown customer.' },
        version: {
          type: 'integer', minimum: 0,
          description: "The customer's entitlement version: moves by one with every stored change (0 for an unknown or never computed customer). Stream events and outbound webhooks carry it too.",
        },
        as_of: { type: 'string', format: 'date-time', description: 'The instant this answer describes.' },
        balances: { type: 'array', items: { type: 'object' }, description: "With a catalog that meters features, for a known customer: each metered feature's balance (as `GET /v1/customers/{ref}/balances`)." },
      },
    },
    EntitlementsUpdatedEvent: {
      type: 'object',
      description: 'An `entitlements.updated` event, as the stream and outbound webhooks carry it. Apps keep the highest `version` per customer and ignore older ones: delivery order is not promised.',
      required: ['id', 'type', 'created', 'data'],
      properties: {
        id: { type: 'string', description: 'Stable per customer and version: a redelivery or replay has the same id.', examples: ['evt_ent_4f7c1a523d0e4c389a570b6f1f0c2d11_3'] },
        type: { type: 'string', const: 'entitlements.updated' },
        created: { type: 'string', format: 'date-time' },
        data: {
          type: 'object',
          required: ['customer', 'version', 'entitlements', 'diff', 'cause'],
          properties: {
            customer: { $ref: '#/components/schemas/Customer' },
            version: { type: 'integer', minimum: 1 },
            entitlements: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' }, description: 'The whole list after the change.' },
            diff: {
              type: 'object',
              required: ['added', 'removed', 'changed'],
              properties: {
                added: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' } },
                removed: { type: 'array', items: { $ref: '#/components/schemas/Entitlement' } },
                changed: {
                  type: 'array',
                  items: {
                    type: 'object', required: ['feature', 'before', 'after'],
                    properties: { feature: { type: 'string' }, before: { $ref: '#/components/schemas/Entitlement' }, after: { $ref: '#/components/schemas/Entitlement' } },
                  },
                },
              },
            },
            cause: {
              type: 'object',
              required: ['type', 'id'],
              description: 'What caused the change: a Stripe event (its id), a grant (its id), a reconciliation run (its id), an API request (its request id) or the service itself.',
              properties: { type: { type: 'string', enum: ['event', 'grant', 'reconciliation', 'request', 'system'] }, id: { type: ['string', 'null'] } },
            },
          },
        },
      },
    },
    SubscriptionTrialWillEndEvent: {
      type: 'object',
      description: 'A `subscription.trial_will_end` event (Stripe tells three days before a trial ends), as the stream and outbound webhooks carry it: the moment to ask for a payment method.',
      required: ['id', 'type', 'created', 'data'],
      properties: {
        id: { type: 'string', description: 'Stable per subscription and trial end: a redelivery has the same id.', examples: ['evt_trial_sub_1Qx_1767225600'] },
        type: { type: 'string', const: 'subscription.trial_will_end' },
        created: { type: 'string', format: 'date-time' },
        data: {
          type: 'object',
          required: ['customer', 'subscription', 'trial_end', 'has_payment_method', 'missing_payment_method', 'cause'],
          properties: {
            customer: {
              type: 'object', required: ['id', 'stripe_customer_id', 'user_id'],
              description: '`id` is null when the service has not seen the customer yet.',
              properties: { id: { type: ['string', 'null'] }, stripe_customer_id: { type: 'string' }, user_id: { type: ['string', 'null'] } },
            },
            subscription: { type: 'string' },
            trial_end: { type: 'string', format: 'date-time' },
            has_payment_method: { type: 'boolean', description: 'Whether the subscription or the customer has a default payment method Stripe can charge.' },
            missing_payment_method: { type: 'string', enum: ['pause', 'cancel', 'create_invoice'], description: 'What Stripe does at the trial end without a payment method: pause (no access until resumed), cancel, or invoice.' },
            cause: { type: 'object', required: ['type', 'id'], properties: { type: { type: 'string', const: 'event' }, id: { type: ['string', 'null'] } } },
          },
        },
      },
    },
    FeatureEntitlement: {
      type: 'object',
      required: ['feature', 'entitled', 'value', 'expires_at'],
      properties: {
        feature: { type: 'string' },
        entitled: { type: 'boolean', description: 'True when the value is `true` or a number greater than 0.' },
        value: { description: 'Null when the customer does not have the feature.', oneOf: [{ type: 'boolean', const: true }, { type: 'number' }, { type: 'null' }] },
        expires_at: { type: ['string', 'null'], format: 'date-time' },
      },
    },
  },
  parameters: {
    CustomerRef: {
      name: 'ref',
      in: 'path',
      required: true,
      description: "A Stripe customer id (`cus_…`) or the app's user id. A value of the form `cus_[A-Za-z0-9]+` is always read as a Stripe customer id.",
      schema: { type: 'string', pattern: '^(cus_[A-Za-z0-9]+|[\\w.:@|+-]{1,200})$' },
    },
    Feature: {
      name: 'feature',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^[\\w.:@+-]{1,200}$' },
    },
    MinVersion: {
      name: 'min_version',
      in: 'query',
      description: 'Read-your-writes: wait until the customer\'s `version` is at least this (e.g. the `version` a sync returned).',
      schema: { type: 'integer', minimum: 0 },
    },
    WaitMs: {
      name: 'wait_ms',
      in: 'query',
      description: 'With `min_version`: the longest wait in ms (default and maximum 5000). Past it the answer is what there is, with `Min-Version-Timed-Out: true`.',
      schema: { type: 'integer', minimum: 0, maximum: 5000 },
    },
    IfNoneMatch: {
      name: 'If-None-Match',
      in: 'header',
      description: 'An ETag from an earlier answer: a 304 without a body when nothing changed.',
      schema: { type: 'string' },
    },
  },
  responses: {
    BadRequest: errorResponse('Malformed input (`invalid_ref`, `invalid_feature`, …).'),
    Unauthorized: errorResponse('No API key, or an unknown or revoked one (`unauthorized`).'),
    Forbidden: errorResponse("The key's scope does not allow this route (`forbidden`)."),
    Unavailable: errorResponse('Postgres is unreachable (`dependency_unavailable`); retry shortly.'),
    NotModified: { description: 'The `If-None-Match` ETag still matches; no body.' },
  },
};
