import type { PathItem } from '../types.js';

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const etagHeader = { ETag: { description: 'Weak ETag of the payload without `as_of`; send it back in `If-None-Match`.', schema: { type: 'string' } } };
const errors = {
  '304': { $ref: '#/components/responses/NotModified' },
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '503': { $ref: '#/components/responses/Unavailable' },
};

export const entitlementPaths: Record<string, PathItem> = {
  '/v1/customers/{ref}/entitlements': {
    get: {
      operationId: 'getCustomerEntitlements',
      summary: "A customer's entitlements",
      description:
        'Every feature the customer has now, with its value, sources and expiry. Needs a key with scope `read` (or `admin`).\n\n' +
        '**An unknown customer is not an error**: the answer is a `200` with `customer: null` and an empty `entitlements` list, ' +
        'so an app treats "never paid" and "not yet synced" alike.\n\n' +
        'Served from an in-process cache, then Redis, then Postgres; every change to the customer invalidates it. An entitlement ' +
        'whose `expires_at` has passed is never served, even before the worker recomputes.\n\n' +
        '**Read-your-writes**: with `min_version` the answer waits (up to `wait_ms`, at most 5 s) until the customer\'s `version` ' +
        'reaches it; the wait follows the cache\'s invalidations and never polls the database. Past the wait the answer is still a ' +
        '`200` with what there is, and the header `Min-Version-Timed-Out: true`.',
      tags: ['entitlements'],
      parameters: [ref('CustomerRef'), ref('MinVersion'), ref('WaitMs'), ref('IfNoneMatch')],
      responses: {
        '200': {
          description: 'The entitlements (an empty list and `customer: null` for an unknown customer).',
          headers: {
            ...etagHeader,
            'Min-Version-Timed-Out': { description: '`true` when `min_version` was not reached within `wait_ms`.', schema: { type: 'string', enum: ['true'] } },
          },
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/CustomerEntitlements' },
              example: {
                customer: { id: '4f7c1a52-3d0e-4c38-9a57-0b6f1f0c2d11', stripe_customer_id: 'cus_R2x9Lq', user_id: 'user_42' },
                entitlements: [
                  { feature: 'api_calls', value: 10000, sources: [{ kind: 'subscription', id: 'sub_1Q2w3E' }], expires_at: null },
                  { feature: 'pro', value: true, sources: [{ kind: 'subscription', id: 'sub_1Q2w3E' }], expires_at: null },
                ],
                version: 7,
                as_of: '2026-11-24T10:00:00.000Z',
              },
            },
          },
        },
        ...errors,
      },
    },
  },
  '/v1/customers/{ref}/entitlements/{feature}': {
    get: {
      operationId: 'getCustomerFeature',
      summary: 'Whether a customer has one feature',
      description: 'One feature of the customer. An unknown customer or a feature it lacks is a `200` with `entitled: false` and `value: null`.',
      tags: ['entitlements'],
      parameters: [ref('CustomerRef'), ref('Feature'), ref('IfNoneMatch')],
      responses: {
        '200': {
          description: 'The feature (`entitled: false`, `value: null` when absent).',
          headers: etagHeader,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/FeatureEntitlement' },
              example: { feature: 'pro', entitled: true, value: true, expires_at: null },
            },
          },
        },
        ...errors,
      },
    },
  },
};
