/**
 * Stripe-shaped API errors. The official client maps the HTTP status and `type` onto its error
 * classes (400/404 → StripeInvalidRequestError, 401 → StripeAuthenticationError, 402 →
 * StripeCardError, 429 → StripeRateLimitError, 5xx → StripeAPIError), so both must be right.
 */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error'
  | 'authentication_error'
  | 'rate_limit_error';

export interface StripeErrorBody {
  error: { type: StripeErrorType; code?: string; message: string; param?: string; decline_code?: string; doc_url?: string };
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly declineCode?: string,
  ) {
    super(message);
    this.name = 'SimError';
  }

  toBody(): StripeErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code !== undefined && { code: this.code, doc_url: `https://stripe.com/docs/error-codes/${this.code.replaceAll('_', '-')}` }),
        ...(this.param !== undefined && { param: this.param }),
        ...(this.declineCode !== undefined && { decline_code: this.declineCode }),
      },
    };
  }
}

/** `No such customer: 'cus_x'` with 404 resource_missing, as Stripe answers. */
export function resourceMissing(noun: string, id: string, param = 'id'): SimError {
  return new SimError(404, 'invalid_request_error', `No such ${noun}: '${id}'`, 'resource_missing', param);
}

export function parameterMissing(param: string): SimError {
  return new SimError(400, 'invalid_request_error', `Missing required param: ${param}.`, 'parameter_missing', param);
}

export function parameterInvalid(param: string, message: string): SimError {
  return new SimError(400, 'invalid_request_error', message, 'parameter_invalid_string', param);
}

export function invalidRequest(message: string, code?: string, param?: string): SimError {
  return new SimError(400, 'invalid_request_error', message, code, param);
}

export function cardDeclined(chargeId?: string): SimError {
  const message = 'Your card was declined.';
  const error = new SimError(402, 'card_error', message, 'card_declined', undefined, 'generic_decline');
  if (chargeId !== undefined) Object.assign(error, { charge: chargeId });
  return error;
}
