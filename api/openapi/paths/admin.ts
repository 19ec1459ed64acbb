import type { Operation, PathItem } from '../types.js';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const auth = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': error('The key does not have scope `admin`, or it is `read_only` and the route writes (`forbidden`).'),
};
const badRequest = {
  '400': error('Malformed input (`invalid_request_body`, `invalid_query`, `invalid_cursor`, `invalid_ref`): `error.fields` lists every bad field with what is wrong, `error.param` names the first.'),
};
const customerNotFound = { '404': error('No such customer (`customer_not_found`).') };
const pathParam = (name: string, description: string) => ({ name, in: 'path' as const, required: true, description, schema: { type: 'string' } });
const query = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query' as const, description, schema });
const limit = query('limit', 'Page size, 1–200.', { type: 'integer', minimum: 1, maximum: 200, default: 50 });
const cursor = query('cursor', 'The `next_cursor` of the previous page, unchanged (opaque).');
const pageOf = (items: Record<string, unknown>) => json({
  type: 'object', required: ['data', 'next_cursor'],
  properties: { data: { type: 'array', items }, next_cursor: { type: ['string', 'null'], description: 'Null on the last page.' } },
});

const stripeUnavailable = {
  '429': error('Stripe rate limited the comparison (`stripe_rate_limited`); `Retry-After` says when to try again.'),
  '503': error('Stripe could not be reached (`stripe_unavailable`).'),
};
const parityReport = {
  type: 'object', required: ['customer_id', 'stripe_customer_id', 'period', 'meters', 'diff'],
  properties: {
    customer_id: { type: 'string', format: 'uuid' },
    stripe_customer_id: { type: ['string', 'null'] },
    period: { type: 'object', required: ['start', 'end'], properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } } },
    meters: {
      type: 'array',
      items: {
        type: 'object', required: ['event_name', 'meter', 'ledger', 'stripe', 'diff', 'open', 'repaired', 'unrepairable'],
        properties: {
          event_name: { type: 'string' }, meter: { type: ['string', 'null'] }, ledger: { type: 'number' }, stripe: { type: 'number' },
          diff: { type: 'number', description: 'ledger − stripe.' }, open: { type: 'number' }, repaired: { type: 'integer' },
          unrepairable: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    diff: { type: 'number', description: 'Sum of |diff| over the meters.' },
  },
};

const grant = {
  type: 'object',
  required: ['id', 'customer_id', 'feature', 'value', 'reason', 'expires_at', 'revoked_at', 'revoked_reason', 'expiry_recorded_at', 'created_by', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    customer_id: { type: 'string', format: 'uuid' },
    feature: { type: 'string' },
    value: { oneOf: [{ type: 'boolean', const: true }, { type: 'number', minimum: 0 }] },
    reason: { type: 'string' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_reason: { type: ['string', 'null'] },
    expiry_recorded_at: { type: ['string', 'null'], format: 'date-time', description: 'When the expiry sweep audited the expiry; the grant stops counting at `expires_at` regardless.' },
    created_by: { type: 'string', examples: ['key:4f7c1a52-3d0e-4c38-9a57-0b6f1f0c2d11'] },
    created_at: { type: 'string', format: 'date-time' },
  },
};
const anyObject = { type: 'object' };
const customerSummary = {
  type: 'object',
  required: ['id', 'stripe_customer_id', 'user_id', 'email', 'name', 'deleted', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    stripe_customer_id: { type: ['string', 'null'], examples: ['cus_R2x9a7'] },
    user_id: { type: ['string', 'null'], description: "The app's user id (checkout's `client_reference_id`)." },
    email: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    deleted: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
const admin = (operation: Omit<Operation, 'tags'>): Operation => ({ ...operation, tags: ['admin'] });

/**
 * The admin API: every route needs a key with scope `admin` (a `read_only` one may only read); every
 * write is audited as `key:<id>` with the request id and the state before and after.
 */
export const adminPaths: Record<string, PathItem> = {
  '/admin/grants': {
    post: admin({
      operationId: 'createGrant',
      summary: 'Grant a feature to a customer',
      description:
        '`customer` is a Stripe customer id or an app user id. An unknown user id creates a local customer holding only the user id ' +
        '(checkout adopts it later); an unknown `cus_…` id is a 404. The read API sees the grant at once.',
      requestBody: {
        required: true,
        content: json({
          type: 'object', additionalProperties: false, required: ['customer', 'feature', 'reason'],
          properties: {
            customer: { type: 'string' }, feature: { type: 'string', pattern: '^[\\w.:@+-]{1,200}$' },
            value: { oneOf: [{ type: 'boolean', const: true }, { type: 'number', minimum: 0 }], default: true },
            expires_at: { type: 'string', format: 'date-time', description: 'In the future.' }, reason: { type: 'string', minLength: 1 },
          },
        }),
      },
      responses: { '201': { description: 'The grant.', content: json(grant) }, ...badRequest, ...auth, ...customerNotFound },
    }),
    get: admin({
      operationId: 'listGrants',
      summary: "A customer's grants, newest first (revoked and expired ones too)",
      parameters: [{ ...query('customer', 'Stripe customer id or user id.'), required: true }],
      responses: { '200': { description: 'The grants.', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: grant } } }) }, ...badRequest, ...auth, ...customerNotFound },
    }),
  },
  '/admin/grants/{id}': {
    delete: admin({
      operationId: 'revokeGrant',
      summary: 'Revoke a grant',
      description: 'The reason is required, in a JSON body `{"reason"}` or the query string.',
      parameters: [pathParam('id', 'The grant id.'), query('reason', 'Why (or in the body).')],
      requestBody: { required: false, content: json({ type: 'object', properties: { reason: { type: 'string', minLength: 1 } } }) },
      responses: {
        '200': { description: 'The revoked grant.', content: json(grant) }, ...badRequest, ...auth,
        '404': error('No such grant (`grant_not_found`).'), '409': error('Already revoked (`grant_already_revoked`).'),
      },
    }),
  },
  '/admin/customers': {
    get: admin({
      operationId: 'listCustomers',
      summary: 'Customers of the mirror, newest first; search with q',
      description: '`q` matches the Stripe customer id, the app user id, the email or the name, case-insensitively, anywhere in the value.',
      parameters: [query('q', 'Search text, 1–200 characters.', { type: 'string', minLength: 1, maxLength: 200 }), limit, cursor],
      responses: {
        '200': { description: 'One page of customers.', content: pageOf(customerSummary) },
        ...badRequest, ...auth,
      },
    }),
  },
  '/admin/customers/{ref}': {
    get: admin({
      operationId: 'getCustomerMirror',
      summary: "The service's mirror of one customer",
      description: 'The customer row, subscriptions with their items, grants, the stored entitlements row and the last 50 audit rows.',
      parameters: [{ $ref: '#/components/parameters/CustomerRef' }],
      responses: {
        '200': {
          description: 'The mirror.',
          content: json({
            type: 'object', required: ['customer', 'subscriptions', 'grants', 'entitlements', 'audit'],
            properties: { customer: anyObject, subscriptions: { type: 'array', items: anyObject }, grants: { type: 'array', items: grant }, entitlements: { type: ['object', 'null'] }, audit: { type: 'array', items: anyObject } },
          }),
        },
        ...badRequest, ...auth, ...customerNotFound,
      },
    }),
  },
  '/admin/meters/parity': {
    get: admin({
      operationId: 'getMeterParity',
      summary: "The ledger's usage against Stripe's meter event summaries, per meter",
      description: 'For each exported meter: the usage of closed windows in the period per the ledger, what Stripe holds, the difference, the usage of windows still open, and what can never be repaired. Stripe aggregates asynchronously: a difference right after sending may close by itself.',
      parameters: [{ ...query('customer', 'Stripe customer id or user id.'), required: true }, { ...query('period', 'A UTC month `YYYY-MM`, or `<start>/<end>` ISO 8601 instants on whole minutes.'), required: true }],
      responses: { '200': { description: 'The comparison.', content: json(parityReport) }, ...badRequest, ...auth, ...customerNotFound, ...stripeUnavailable },
    }),
  },
  '/admin/meters/parity/repair': {
    post: admin({
      operationId: 'repairMeterParity',
      summary: 'Send Stripe the usage it lacks, then compare again',
      description: 'Records and sends windows not sent yet, and re-sends the parts of each hour Stripe holds less than the ledger, each with its own identifier — only where Stripe cannot count it twice. Audited.',
      requestBody: { required: true, content: json({ type: 'object', additionalProperties: false, required: ['customer', 'period'], properties: { customer: { type: 'string' }, period: { type: 'string' } } }) },
      responses: { '200': { description: 'The comparison after the repair.', content: json(parityReport) }, ...badRequest, ...auth, ...customerNotFound, ...stripeUnavailable },
    }),
  },
  '/admin/events': {
    get: admin({
      operationId: 'listEvents',
      summary: 'Inbox events, newest first (without payloads)',
      parameters: [
        query('status', 'Only events in this status.', { type: 'string', enum: ['received', 'queued', 'processed', 'ignored', 'failed', 'dead'] }),
        query('type', 'Only events of this type, e.g. `invoice.paid`.'), limit, cursor,
      ],
      responses: { '200': { description: 'One page.', content: pageOf(anyObject) }, ...badRequest, ...auth },
    }),
  },
  '/admin/events/{id}/replay': {
    post: admin({
      operationId: 'replayEvent',
      summary: 'Process an inbox event again',
      description: 'Sets the event back to `received` (attempts kept), drops a finished job with its id and queues it again. Typical for `dead` events once the cause is fixed.',
      parameters: [pathParam('id', 'The Stripe event id.')],
      responses: {
        '202': { description: 'Queued.', content: json({ type: 'object', required: ['id', 'type', 'status', 'previous_status', 'attempts'], properties: { id: { type: 'string' }, type: { type: 'string' }, status: { const: 'received' }, previous_status: { type: 'string' }, attempts: { type: 'integer' } } }) },
        ...auth, '404': error('No such event in the inbox (`event_not_found`).'),
      },
    }),
  },
  '/admin/reconciliations': {
    post: admin({
      operationId: 'requestReconciliation',
      summary: 'Start a reconciliation run against Stripe',
      requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { customer: { type: 'string', description: 'Stripe customer id or user id.' }, since: { type: 'string', description: 'ISO date or date-time, not in the future.' } } }) },
      responses: { '202': { description: 'Queued.', content: json({ type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } }) }, ...badRequest, ...auth, ...customerNotFound },
    }),
  },
  '/admin/reconciliations/{id}': {
    get: admin({
      operationId: 'getReconciliation',
      summary: 'A reconciliation run: status and counts',
      parameters: [pathParam('id', 'The run id.')],
      responses: {
        '200': { description: 'The run.', content: json({ type: 'object', required: ['id', 'status', 'checked', 'drifted', 'repaired', 'errors'], properties: { id: { type: 'string' }, status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] }, checked: { type: 'integer' }, drifted: { type: 'integer' }, repaired: { type: 'integer' }, errors: { type: 'integer', description: 'drifts (subscriptions, balances) that could not be repaired (permanent errors); a run with any ends failed' }, drift: anyObject, unrepaired: { type: 'object', additionalProperties: { type: 'integer' }, description: 'drifted customers not repaired yet because Stripe or Postgres failed transiently, each with its count of drifted subscriptions; the run keeps repairing them with backoff and succeeds only once this is empty' } } }) },
        ...auth, '404': error('No such run (`reconciliation_not_found`).'),
      },
    }),
  },
  '/admin/audit': {
    get: admin({
      operationId: 'listAudit',
      summary: 'The audit log, newest first',
      parameters: [query('customer', 'Stripe customer id or user id.'), query('since', 'ISO date-time.'), query('action', 'e.g. `grant.created`.'), limit, cursor],
      responses: { '200': { description: 'One page.', content: pageOf(anyObject) }, ...badRequest, ...auth, ...customerNotFound },
    }),
  },
  '/admin/session': {
    post: admin({
      operationId: 'createAdminSession',
      summary: 'A browser session for the queue dashboard',
      description:
        'Sets the cookie `billing_admin_session` (HttpOnly, SameSite=Strict, Path=/admin, one hour; Secure per `COOKIE_SECURE`) that opens Bull Board at `/admin/queues` and the console at `/admin/console`. ' +
        'The dashboard also accepts the admin key as Bearer or as the password of HTTP Basic (it answers 401 with `WWW-Authenticate: Basic`); ' +
        'a `read_only` key gets a read-only dashboard. Revoking the key ends its sessions.',
      responses: { '201': { description: 'The cookie is set.', content: json({ type: 'object', required: ['expires_at', 'read_only'], properties: { expires_at: { type: 'string', format: 'date-time' }, read_only: { type: 'boolean' } } }) }, ...auth },
    }),
    delete: admin({
      operationId: 'endAdminSession',
      summary: 'Log out of the queue dashboard',
      description: 'Ends the session named by the cookie `billing_admin_session` and clears the cookie. Needs no key; without a session cookie it changes nothing. ' +
        'A browser request must be same-origin (`Origin` or `Sec-Fetch-Site`), like every write under `/admin`.',
      security: [],
      responses: { '204': { description: 'The session is ended (or there was none) and the cookie cleared.' }, '403': error('A cross-origin browser request (`cross_origin_request`).') },
    }),
  },
};
