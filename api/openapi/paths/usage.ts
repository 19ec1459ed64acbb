import type { PathItem } from '../types.js';

const json = (schema: Record<string, unknown>, example?: unknown) => ({ 'application/json': { schema, ...(example !== undefined && { example }) } });
const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const idParam = { name: 'id', in: 'path' as const, required: true, description: 'The reservation id.', schema: { type: 'string', format: 'uuid' } };
const common = {
  '400': error('Malformed input: `error.fields` lists every bad field (`invalid_request_body`, `invalid_ref`); a feature the catalog does not meter is `feature_not_metered`.'),
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '503': error('Postgres or Redis is unreachable (`ledger_unavailable`, `dependency_unavailable`): nothing was counted; retry with the same key.'),
};
const customerNotFound = { '404': error('No such customer (`customer_not_found`).') };
const replayed = { 'Idempotent-Replayed': { description: '`true` when this is the stored answer to an earlier request with the same key.', schema: { type: 'string', enum: ['true'] } } };
const integer = (description: string, minimum = 1) => ({ type: 'integer', minimum, description });
const idempotencyKey = { type: 'string', minLength: 1, maxLength: 200, description: 'One key, one effect: a retry with the same body gets the first answer; another body, a 422.' };

const balance = {
  type: 'object',
  required: ['feature', 'granted', 'used', 'reserved', 'remaining', 'rollover', 'period_start', 'period_end', 'next_reset_at'],
  properties: {
    feature: { type: 'string' },
    granted: { type: ['integer', 'null'], description: 'Allowance of the period + carried-over units + credits; null when unlimited.' },
    used: { type: 'integer', description: 'Consumed (and debited) in the period.' },
    reserved: { type: 'integer', description: 'Held by live reservations.' },
    remaining: { type: ['integer', 'null'], description: 'granted − used − reserved (negative under overage `allow`); null when unlimited.' },
    rollover: { type: 'integer', description: 'Units carried from the previous period (inside `granted`).' },
    period_start: { type: 'string', format: 'date-time' },
    period_end: { type: ['string', 'null'], format: 'date-time', description: 'Null for a feature that never resets.' },
    next_reset_at: { type: ['string', 'null'], format: 'date-time' },
  },
};
const balanceExample = { feature: 'api_calls', granted: 10000, used: 9500, reserved: 200, remaining: 300, rollover: 0, period_start: '2026-12-01T00:00:00.000Z', period_end: '2027-01-01T00:00:00.000Z', next_reset_at: '2027-01-01T00:00:00.000Z' };
const decision = { type: 'object', required: ['allowed', 'balance'], properties: { allowed: { type: 'boolean' }, balance } };
const refused = {
  description: 'Not enough left under overage `reject` (or nothing left under `cap`): nothing was recorded.',
  content: json({
    type: 'object', required: ['allowed', 'error', 'balance'],
    properties: { allowed: { type: 'boolean', const: false }, error: { type: 'object', required: ['type', 'code', 'message'], properties: { type: { type: 'string', const: 'payment_required' }, code: { type: 'string', const: 'insufficient_balance' }, message: { type: 'string' } } }, balance },
  }),
};
const reservation = {
  type: 'object', required: ['id', 'feature', 'amount', 'status', 'expires_at'],
  properties: {
    id: { type: 'string', format: 'uuid' }, feature: { type: 'string' }, amount: { type: 'integer', description: 'Units held.' },
    status: { type: 'string', enum: ['held', 'committed', 'released', 'expired'] }, expires_at: { type: 'string', format: 'date-time' },
  },
};
const settled = { ...reservation, required: [...reservation.required, 'committed', 'balance'], properties: { ...reservation.properties, committed: { type: 'integer' }, balance } };
const settleErrors = {
  '404': error('No such reservation (`reservation_not_found`).'),
  '409': error('Already settled or expired (`reservation_committed`, `reservation_released`, `reservation_expired`).'),
};
const ledgerEntry = {
  type: 'object', required: ['id', 'feature', 'kind', 'amount', 'idempotency_key', 'occurred_at', 'recorded_at'],
  properties: {
    id: { type: 'string' }, feature: { type: 'string' }, kind: { type: 'string', enum: ['consume', 'commit', 'adjust', 'rollover'] },
    amount: { type: 'integer', description: 'Counts against the balance: positive consumes or debits, negative credits.' },
    idempotency_key: { type: 'string' }, reservation_id: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] }, actor: { type: ['string', 'null'] },
    properties: { type: 'object' }, occurred_at: { type: 'string', format: 'date-time' }, recorded_at: { type: 'string', format: 'date-time' },
    period_start: { type: ['string', 'null'], format: 'date-time' }, period_end: { type: ['string', 'null'], format: 'date-time' },
  },
};
const featureBody = (extra: Record<string, unknown>, required: string[]) => ({
  required: true,
  content: json({ type: 'object', additionalProperties: false, required: ['feature', ...required], properties: { feature: { type: 'string', pattern: '^[\\w.:@+-]{1,200}$' }, ...extra } }),
});

/** Metered usage: consume, check, reserve, settle, read balances; and the admin's adjustments and ledger. */
export const usagePaths: Record<string, PathItem> = {
  '/v1/customers/{ref}/usage': {
    post: {
      operationId: 'consumeUsage',
      summary: 'Consume units of a metered feature',
      description:
        'Scope `write`. Admitted atomically (concurrent requests never overspend) and answered `200` only once the ledger row is durable. ' +
        'Under overage `reject` a request that does not fit is a `402` that records nothing. `occurred_at` (default now) may be up to 35 days back.',
      tags: ['usage'],
      parameters: [ref('CustomerRef')],
      requestBody: featureBody({
        amount: integer('Units consumed.'), idempotency_key: idempotencyKey, occurred_at: { type: 'string', format: 'date-time' },
        properties: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] }, maxProperties: 50 },
      }, ['amount', 'idempotency_key']),
      responses: {
        '200': { description: 'Recorded (or the stored answer of the same key).', headers: replayed, content: json(decision, { allowed: true, balance: balanceExample }) },
        '402': refused, ...common, ...customerNotFound,
        '409': error('The first request with this key is still being recorded (`idempotency_in_flight`); retry shortly.'),
        '422': error('The key was used with a different body (`idempotency_conflict`).'),
      },
    },
  },
  '/v1/customers/{ref}/usage/check': {
    post: {
      operationId: 'checkUsage',
      summary: 'Whether units could be consumed now, without consuming them',
      tags: ['usage'],
      parameters: [ref('CustomerRef')],
      requestBody: featureBody({ amount: integer('Units.') }, ['amount']),
      responses: { '200': { description: 'The decision a consume would get now.', content: json(decision) }, ...common, ...customerNotFound },
    },
  },
  '/v1/customers/{ref}/reservations': {
    post: {
      operationId: 'createReservation',
      summary: 'Hold units for work whose cost is known later',
      description: 'Scope `write`. The held units count against the balance until committed, released or expired (an expired hold returns by itself).',
      tags: ['usage'],
      parameters: [ref('CustomerRef')],
      requestBody: featureBody({ amount: integer('Units to hold.'), ttl_seconds: { type: 'integer', minimum: 1, maximum: 86400 }, idempotency_key: idempotencyKey }, ['amount', 'ttl_seconds', 'idempotency_key']),
      responses: {
        '201': { description: 'Held.', headers: replayed, content: json({ ...reservation, required: [...reservation.required, 'balance'], properties: { ...reservation.properties, balance } }) },
        '402': refused, ...common, ...customerNotFound,
        '409': error('The first request with this key is still being recorded (`idempotency_in_flight`).'),
        '422': error('The key was used with a different body (`idempotency_conflict`).'),
      },
    },
  },
  '/v1/reservations/{id}/commit': {
    post: {
      operationId: 'commitReservation',
      summary: 'Record what held work really cost',
      description: 'Scope `write`. `amount` may be less than held; the rest returns to the balance.',
      tags: ['usage'],
      parameters: [idParam],
      requestBody: { required: true, content: json({ type: 'object', additionalProperties: false, required: ['amount'], properties: { amount: integer('Units used, at most those held.') } }) },
      responses: { '200': { description: 'Committed.', content: json(settled) }, ...common, ...settleErrors },
    },
  },
  '/v1/reservations/{id}/release': {
    post: {
      operationId: 'releaseReservation',
      summary: 'Return every held unit',
      tags: ['usage'],
      parameters: [idParam],
      responses: { '200': { description: 'Released.', content: json(settled) }, ...common, ...settleErrors },
    },
  },
  '/v1/customers/{ref}/balances': {
    get: {
      operationId: 'listBalances',
      summary: "A customer's balance of every metered feature",
      tags: ['usage'],
      parameters: [ref('CustomerRef')],
      responses: { '200': { description: 'One balance per metered feature of the catalog, by name.', content: json({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: balance } } }) }, ...common, ...customerNotFound },
    },
  },
  '/v1/customers/{ref}/balances/{feature}': {
    get: {
      operationId: 'getBalance',
      summary: "A customer's balance of one metered feature",
      tags: ['usage'],
      parameters: [ref('CustomerRef'), ref('Feature')],
      responses: { '200': { description: 'The balance.', content: json(balance, balanceExample) }, ...common, ...customerNotFound },
    },
  },
  '/admin/balances/adjust': {
    post: {
      operationId: 'adjustBalance',
      summary: 'Credit or debit a balance (audited)',
      description: 'Scope `admin`. Positive `amount` credits the current period, negative debits it (not admission-checked). With `idempotency_key`, a retry returns the first answer.',
      tags: ['admin'],
      requestBody: {
        required: true,
        content: json({
          type: 'object', additionalProperties: false, required: ['customer', 'feature', 'amount', 'reason'],
          properties: { customer: { type: 'string' }, feature: { type: 'string' }, amount: { type: 'integer', not: { const: 0 } }, reason: { type: 'string', minLength: 1 }, idempotency_key: idempotencyKey },
        }),
      },
      responses: {
        '200': {
          description: 'The ledger entry and the balance after it.', headers: replayed,
          content: json({
            type: 'object', required: ['entry', 'balance'],
            properties: {
              entry: { type: 'object', required: ['id', 'customer_id', 'feature', 'amount', 'reason', 'idempotency_key', 'period_start'], properties: { id: { type: 'string' }, customer_id: { type: 'string', format: 'uuid' }, feature: { type: 'string' }, amount: { type: 'integer' }, reason: { type: 'string' }, idempotency_key: { type: 'string' }, period_start: { type: 'string', format: 'date-time' } } },
              balance,
            },
          }),
        },
        ...common, '403': error('The key does not have scope `admin`, or it is `read_only` (`forbidden`).'), ...customerNotFound,
        '422': error('The key was used with a different body (`idempotency_conflict`).'),
      },
    },
  },
  '/admin/customers/{ref}/ledger': {
    get: {
      operationId: 'listLedger',
      summary: "A customer's usage ledger, newest first",
      tags: ['admin'],
      parameters: [
        { name: 'ref', in: 'path', required: true, description: 'Stripe customer id or user id.', schema: { type: 'string' } },
        { name: 'feature', in: 'query', description: 'Only rows of this feature.', schema: { type: 'string' } },
        { name: 'limit', in: 'query', description: 'Page size, 1–200.', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        { name: 'cursor', in: 'query', description: 'The `next_cursor` of the previous page, unchanged (opaque).', schema: { type: 'string' } },
      ],
      responses: {
        '200': { description: 'One page.', content: json({ type: 'object', required: ['data', 'next_cursor'], properties: { data: { type: 'array', items: ledgerEntry }, next_cursor: { type: ['string', 'null'] } } }) },
        ...common, '403': error('The key does not have scope `admin` (`forbidden`).'), ...customerNotFound,
      },
    },
  },
};
