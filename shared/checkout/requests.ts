import { z } from 'zod';
import { isLiveMode, type Config } from '../infra/config.js';
import { badRequest } from '../errors.js';

/** App user ids: 1–200 characters that are safe in logs, URLs and Stripe metadata (`auth0|abc`, `user_42`, `a.b@c`). */
export const userId = z.string().regex(/^[\w.:@|+-]{1,200}$/, 'must be 1-200 characters of letters, digits and _ . : @ | + -');

/** Where checkout and portal may send a customer back to: from `RETURN_URL_ORIGINS` and the Stripe mode. */
export interface ReturnUrlPolicy {
  /** Allowed origins (`https://app.example.com`); any origin when undefined. */
  origins?: readonly string[] | undefined;
  /** Live mode: https only. */
  httpsOnly: boolean;
}

export function returnUrlPolicy(config: Pick<Config, 'RETURN_URL_ORIGINS' | 'STRIPE_SECRET_KEY'>): ReturnUrlPolicy {
  return { origins: config.RETURN_URL_ORIGINS, httpsOnly: isLiveMode(config) };
}

/**
 * Absolute http(s) URLs, never with a user name or password (`https://user:pass@…` hides the real
 * host from a reader); https only in live mode; on an allowed origin when a list is configured.
 * `{CHECKOUT_SESSION_ID}` in a success URL is kept as Stripe expects it.
 */
function returnUrl(policy: ReturnUrlPolicy) {
  return z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2048).superRefine((value, ctx) => {
    const url = URL.parse(value);
    if (!url) return;
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
    else if (policy.httpsOnly && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an https URL in live mode' });
    else if (policy.origins && !policy.origins.includes(url.origin)) ctx.addIssue({ code: 'custom', message: `must be on an origin listed in RETURN_URL_ORIGINS, not ${url.origin}` });
  });
}

/** No restriction beyond the URL shape and credentials: test mode without `RETURN_URL_ORIGINS`. */
const anyOrigin: ReturnUrlPolicy = { httpsOnly: false };

/** Price ids (`price_…`, or a legacy plan's custom id) and lookup keys, as Stripe accepts them. */
const priceId = z.string().regex(/^[\w.-]{1,255}$/, 'must be a Stripe price id such as price_123');
const lookupKey = z.string().min(1).max(200).regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

function exactlyOne(first: string, second: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const given = [first, second].filter((key) => value[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [first], message: `give exactly one of ${first} or ${second}` });
    }
  };
}

export function checkoutRequestSchema(maxQuantity: number, policy: ReturnUrlPolicy = anyOrigin) {
  const returnTo = returnUrl(policy);
  return z
    .strictObject({
      user_id: userId,
      price: priceId.optional(),
      lookup_key: lookupKey.optional(),
      quantity: z.int().min(1).max(maxQuantity).default(1),
      success_url: returnTo,
      cancel_url: returnTo,
      email: z.email().max(512).optional(),
      /** Stripe accepts 1–730 trial days. Absent: the catalog plan's `trial_days`, if any. */
      trial_days: z.int().min(1).max(730).optional(),
      /** `if_required`: a trial starts without a card; Stripe pauses or cancels it at the end if none was added. */
      payment_method_collection: z.enum(['always', 'if_required']).optional(),
      /** The customer's currency (ISO 4217, any case); the price must offer it. Absent: the price's own currency. */
      currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO currency code such as eur').transform((code) => code.toLowerCase()).optional(),
      allow_promotion_codes: z.boolean().optional(),
    })
    .superRefine(exactlyOne('price', 'lookup_key'));
}

export type CheckoutRequest = z.infer<ReturnType<typeof checkoutRequestSchema>>;

export function portalRequestSchema(policy: ReturnUrlPolicy = anyOrigin) {
  return z
    .strictObject({
      user_id: userId.optional(),
      customer: z.string().regex(/^cus_[A-Za-z0-9]{1,250}$/, 'must be a Stripe customer id such as cus_123').optional(),
      return_url: returnUrl(policy),
    })
    .superRefine(exactlyOne('user_id', 'customer'));
}

export type PortalRequest = z.infer<ReturnType<typeof portalRequestSchema>>;

/**
 * Parses a request body; a bad one is a 400 `invalid_request_body` whose message names every bad
 * field, and whose `fields` list them one by one (`param` is the first, as in Stripe's errors).
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('invalid_request_body', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a known field' }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );
  const message = fields.map(({ field, message: text }) => `${field}: ${text}`).join('; ');
  throw badRequest('invalid_request_body', message, { param: fields[0]?.field, fields });
}
