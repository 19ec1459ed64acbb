import type { Operation, PathItem } from '../types.js';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const auth = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': error('The key does not have scope `admin`, or it is `read_only` and the route writes (`forbidden`).'),
};
const badRequest = { '400': error('Malformed input (`invalid_request_body`, `invalid_query`): `error.fields` lists every bad field; a URL the SSRF policy refuses is one.') };
const endpointNotFound = { '404': error('No such endpoint (`webhook_endpoint_not_found`).') };
const id = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string' } };
const admin = (operation: Omit<Operation, 'tags'>): Operation => ({ ...operation, tags: ['webhooks'] });

const eventTypes = { type: 'array', minItems: 1, items: { type: 'string', enum: ['*', 'entitlements.updated', 'subscription.trial_will_end'] }, description: '`*` means every type.' };
const endpoint = {
  type: 'object',
  required: ['id', 'url', 'description', 'events', 'enabled', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string', format: 'uri' },
    description: { type: ['string', 'null'] },
    events: eventTypes,
    enabled: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
const withSecret = {
  ...endpoint,
  required: [...endpoint.required, 'secret'],
  properties: { ...endpoint.properties, secret: { type: 'string', description: 'The signing secret (`whsec_…`): shown here only. Verify `Billing-Signature` with it.' } },
};
const delivery = {
  type: 'object',
  required: ['id', 'endpoint_id', 'event_id', 'event_type', 'status', 'attempts', 'last_status_code', 'last_error', 'created_at', 'delivered_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    endpoint_id: { type: 'string', format: 'uuid' },
    event_id: { type: 'string' },
    event_type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'succeeded', 'dead'] },
    attempts: { type: 'integer', minimum: 0 },
    last_status_code: { type: ['integer', 'null'] },
    last_error: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    delivered_at: { type: ['string', 'null'], format: 'date-time' },
  },
};
const urlField = { type: 'string', format: 'uri', maxLength: 2048, description: 'https (http too outside live mode); never a loopback, private or reserved address unless `WEBHOOK_ALLOW_PRIVATE_URLS`.' };

/**
 * Outbound webhooks (scope admin). Each delivery is a POST of an `EntitlementsUpdatedEvent` (or a `SubscriptionTrialWillEndEvent`) with
 * `Billing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
 */
export const webhookEndpointPaths: Record<string, PathItem> = {
  '/admin/webhook-endpoints': {
    post: admin({
      operationId: 'createWebhookEndpoint',
      summary: 'Register a webhook endpoint (its secret is shown once)',
      description:
        'Deliveries are POSTs of `EntitlementsUpdatedEvent` (or `SubscriptionTrialWillEndEvent`) JSON, signed in `Billing-Signature` like Stripe signs its own (`t=…,v1=…`); ' +
        'headers `Billing-Event-Id`, `Billing-Event-Type` and `Billing-Delivery-Id` name them. A non-2xx answer (a redirect too: ' +
        'redirects are not followed) is retried with exponential backoff for about three days (`WEBHOOK_DELIVERY_ATTEMPTS`, ' +
        '`WEBHOOK_BACKOFF_MS`), then the delivery is dead and can be replayed. Order is not promised: keep the highest `version` per customer.',
      requestBody: {
        required: true,
        content: json({ type: 'object', additionalProperties: false, required: ['url'], properties: { url: urlField, events: { ...eventTypes, default: ['*'] }, description: { type: ['string', 'null'], maxLength: 500 } } }),
      },
      responses: { '201': { description: 'The endpoint with its secret.', content: json(withSecret) }, ...badRequest, ...auth },
    }),
    get: admin({
      operationId: 'listWebhookEndpoints',
      summary: 'Every webhook endpoint (without secrets)',
      responses: { '200': { description: 'The endpoints, oldest first.', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: endpoint } } }) }, ...auth },
    }),
  },
  '/admin/webhook-endpoints/{id}': {
    get: admin({ operationId: 'getWebhookEndpoint', summary: 'One webhook endpoint', parameters: [id], responses: { '200': { description: 'The endpoint.', content: json(endpoint) }, ...auth, ...endpointNotFound } }),
    patch: admin({
      operationId: 'updateWebhookEndpoint',
      summary: 'Change an endpoint; `enabled: false` disables it',
      description: 'A disabled endpoint gets no new deliveries, and its pending ones fail for good (replay them after enabling it).',
      parameters: [id],
      requestBody: {
        required: true,
        content: json({ type: 'object', additionalProperties: false, minProperties: 1, properties: { url: urlField, events: eventTypes, description: { type: ['string', 'null'], maxLength: 500 }, enabled: { type: 'boolean' } } }),
      },
      responses: { '200': { description: 'The endpoint after the change.', content: json(endpoint) }, ...badRequest, ...auth, ...endpointNotFound },
    }),
    delete: admin({
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete an endpoint and its delivery history',
      parameters: [id],
      responses: { '200': { description: 'Deleted.', content: json({ type: 'object', required: ['id', 'deleted'], properties: { id: { type: 'string' }, deleted: { type: 'boolean', const: true } } }) }, ...auth, ...endpointNotFound },
    }),
  },
  '/admin/webhook-endpoints/{id}/rotate-secret': {
    post: admin({
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate the signing secret (the new one is shown once)',
      description: 'During `expire_previous_in_hours` (default 24, 0 to end at once) deliveries carry a `v1` signature for each secret.',
      parameters: [id],
      requestBody: { content: json({ type: 'object', additionalProperties: false, properties: { expire_previous_in_hours: { type: 'number', minimum: 0, maximum: 168, default: 24 } } }) },
      responses: { '200': { description: 'The endpoint with its new secret.', content: json(withSecret) }, ...badRequest, ...auth, ...endpointNotFound },
    }),
  },
  '/admin/webhook-endpoints/{id}/deliveries': {
    get: admin({
      operationId: 'listWebhookDeliveries',
      summary: "An endpoint's latest 100 deliveries, newest first",
      parameters: [id, { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'succeeded', 'dead'] } }],
      responses: { '200': { description: 'The deliveries.', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: delivery } } }) }, ...badRequest, ...auth, ...endpointNotFound },
    }),
  },
  '/admin/webhook-deliveries/{id}/replay': {
    post: admin({
      operationId: 'replayWebhookDelivery',
      summary: 'Send a delivery again (a dead one, or any other)',
      parameters: [id],
      responses: {
        '202': { description: 'Queued; attempts start over.', content: json(delivery) },
        ...auth,
        '404': error('No such delivery (`webhook_delivery_not_found`).'),
        '409': error('The endpoint is disabled (`webhook_endpoint_disabled`).'),
      },
    }),
  },
};
