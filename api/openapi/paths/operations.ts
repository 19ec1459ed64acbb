import type { PathItem } from '../types.js';

const none: Record<string, string[]>[] = [];

/** Routes for operators and for Stripe: health, readiness, metrics, the webhook and this document. */
export const operationPaths: Record<string, PathItem> = {
  '/': {
    get: {
      operationId: 'getStartPage',
      summary: 'Start page (HTML): readiness and links to Bull Board, the API reference, metrics and health',
      tags: ['operations'],
      security: none,
      responses: { '200': { description: 'An HTML page (strict Content-Security-Policy, no script).', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/docs': {
    get: {
      operationId: 'getApiReference',
      summary: 'API reference (HTML) rendered from this document',
      tags: ['operations'],
      security: none,
      responses: { '200': { description: 'An HTML page (strict Content-Security-Policy, no script).', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/assets/pages.css': {
    get: {
      operationId: 'getPageStylesheet',
      summary: 'The stylesheet of the HTML pages',
      tags: ['operations'],
      security: none,
      responses: { '200': { description: 'CSS.', content: { 'text/css': { schema: { type: 'string' } } } } },
    },
  },
  '/healthz': {
    get: {
      operationId: 'getHealth',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      security: none,
      responses: {
        '200': { description: 'Alive.', content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } } },
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'getReadiness',
      summary: 'Readiness: Postgres and Redis answer',
      tags: ['operations'],
      security: none,
      responses: {
        '200': { description: 'Both dependencies answer.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
        '503': { description: 'A dependency does not answer (`checks` names it), or the instance is stopping (`draining`).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics of this process',
      tags: ['operations'],
      security: none,
      responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/webhooks/stripe': {
    post: {
      operationId: 'receiveStripeWebhook',
      summary: 'Stripe webhook endpoint',
      description:
        'Verifies `Stripe-Signature` over the raw body (every configured secret is tried, for rotation), records the event ' +
        'durably, queues it and answers 200. Duplicates are answered 200 and ignored. Postgres unreachable → 503, so Stripe retries.',
      tags: ['stripe'],
      security: none,
      parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'A Stripe event (snapshot or thin).' } } } },
      responses: {
        '200': { description: 'Recorded (or a duplicate).', content: { 'application/json': { schema: { type: 'object', required: ['received'], properties: { received: { const: true } } } } } },
        '400': { $ref: '#/components/responses/BadRequest' },
        '413': { description: 'The body is larger than `WEBHOOK_MAX_BYTES`.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '503': { $ref: '#/components/responses/Unavailable' },
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['operations'],
      security: none,
      responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};
