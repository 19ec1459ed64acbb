import { components } from './components.js';
import { adminPaths } from './paths/admin.js';
import { entitlementPaths } from './paths/entitlements.js';
import { operationPaths } from './paths/operations.js';
import { sessionPaths } from './paths/sessions.js';
import { streamPaths } from './paths/stream.js';
import { usagePaths } from './paths/usage.js';
import { subscriptionPaths } from './paths/subscription.js';
import { webhookEndpointPaths } from './paths/webhook-endpoints.js';
import type { OpenApiDocument } from './types.js';

/**
 * The OpenAPI 3.1 document of the api, served at `GET /openapi.json`. It lists only routes that
 * exist; `tests/integration/openapi-document-matches-routes.test.ts` fails when a route is added
 * to the app without a path here (add a file under `paths/` and spread it below), or the reverse.
 */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Billing & entitlements service',
    version: '1',
    description:
      'Keeps an app\'s view of "who has paid for what" correct and fast: Stripe webhooks in, entitlements out.\n\n' +
      'Authentication: `Authorization: Bearer <API key>` on `/v1/*` and `/admin/*` routes. A revoked key stops working within ' +
      '`API_KEY_CACHE_TTL_SECONDS` (default 30 s), the time each api process caches a verified key.\n\n' +
      'Errors always have the shape `{"error": {"type", "code", "message"}}` (see the `Error` schema).\n\n' +
      'An unknown customer is not an error: entitlement reads answer `200` with `customer: null` and an empty list.',
  },
  security: [{ bearer: [] }],
  tags: [
    { name: 'entitlements', description: 'What a customer may do now.' },
    { name: 'usage', description: 'Metered features: consume, check, reserve and commit, balances (scope write for changes, read for balances).' },
    { name: 'billing', description: 'Checkout and billing portal sessions (these call Stripe).' },
    { name: 'stripe', description: 'Stripe calls these.' },
    { name: 'webhooks', description: 'Outbound webhooks to apps: endpoints, deliveries, replay (scope admin; a read_only admin key may only read).' },
    { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    {
      name: 'admin',
      description:
        'Grants, event replay, reconciliation, audit (scope admin; a read_only admin key may only read). Bull Board is served at ' +
        '/admin/queues and the admin console at /admin/console (HTML, outside this document): HTTP Basic with an admin key as password, or the cookie ' +
        'from POST /admin/session or the console login form; console forms carry a per-session CSRF token.',
    },
  ],
  paths: {
    ...operationPaths,
    ...entitlementPaths,
    ...usagePaths,
    ...sessionPaths,
    ...subscriptionPaths,
    ...streamPaths,
    ...adminPaths,
    ...webhookEndpointPaths,
  },
  components,
};
