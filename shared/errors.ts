import knex from 'knex';

/**
 * One error family for HTTP and jobs. Each error has a stable `code`, an HTTP `status` and a
 * `type` (the class of problem). Jobs classify errors by class and code, never by message text.
 */
export type ErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'conflict'
  | 'payment_required'
  | 'rate_limit'
  | 'unavailable'
  | 'upstream'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  toJSON(): { error: { type: ErrorType; code: string; message: string } & Record<string, unknown> } {
    return { error: { type: this.type, code: this.code, message: this.message, ...this.details } };
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_request', code, message, details);
export const unauthorized = (message = 'a valid API key is required (Authorization: Bearer <key>)') =>
  new AppError(401, 'authentication', 'unauthorized', message);
export const forbidden = (message: string) => new AppError(403, 'permission', 'forbidden', message);
export const notFound = (code: string, message: string) => new AppError(404, 'not_found', code, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, 'conflict', code, message, details);
/** 422: the request is well formed but contradicts an earlier one (an idempotency key reused with another body). */
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(422, 'invalid_request', code, message, details);
export const unavailable = (code: string, message: string) => new AppError(503, 'unavailable', code, message);
/** A broken promise of the service's own code (a statement that returned nothing it must return). */
export const internalError = (code: string, message: string) => new AppError(500, 'internal', code, message);

/** Postgres error classes that mean "try again": connection (08), resources (53), operator intervention (57), serialization (40). */
const transientPgClasses = new Set(['08', '53', '57', '40']);
const transientNetworkCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH',
  'ESOCKETTIMEDOUT', 'ECONNABORTED',
]);

/** Whether the error carries a `code` (Postgres, Node's network errors, AppError). */
export function hasCode(error: unknown): error is { code: unknown } {
  return typeof error === 'object' && error !== null && 'code' in error;
}

/** True when the error comes from Postgres or the network being unreachable. */
export function isConnectionError(error: unknown): boolean {
  if (!hasCode(error) || typeof error.code !== 'string') return false;
  if (transientNetworkCodes.has(error.code)) return true;
  return /^[0-9A-Z]{5}$/.test(error.code) && transientPgClasses.has(error.code.slice(0, 2));
}

/** knex raises its own error when no pool connection can be had in time. */
export function isPoolTimeout(error: unknown): boolean {
  return error instanceof knex.KnexTimeoutError;
}

/**
 * A failure that retrying cannot fix (bad data, a Stripe 4xx): the job fails at once. A job
 * failure, not an answer to a request: over HTTP it would be an internal error.
 */
export class PermanentError extends AppError {
  constructor(message: string, code = 'permanent_failure', options?: { cause?: unknown }) {
    super(500, 'internal', code, message, undefined, options);
    this.name = 'PermanentError';
  }
}
