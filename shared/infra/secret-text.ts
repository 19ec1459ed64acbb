/**
 * What a secret looks like inside free text, shared by the logger (which redacts these) and the
 * check that searches the test suite's logs (which fails on any). One source each, so the two can
 * never disagree about, say, the `-` that base64url puts in API keys.
 */

/** An API key of this service: `bk_<scope>_` and 32–64 base64url characters (`A–Z a–z 0–9 _ -`). */
export const apiKeyText = /\bbk_(?:read|write|admin|stream)_[A-Za-z0-9_-]{32,}/;

/** A Stripe secret or restricted key. */
export const stripeKeyText = /\b(?:sk|rk)_(?:test|live)_\w+/;

/** A webhook signing secret. */
export const webhookSecretText = /\bwhsec_[A-Za-z0-9_]+/;

/** Every pattern above as one global expression, for replacing. */
export function secretTextPattern(...extra: RegExp[]): RegExp {
  return new RegExp([apiKeyText, stripeKeyText, webhookSecretText, ...extra].map((pattern) => pattern.source).join('|'), 'g');
}
