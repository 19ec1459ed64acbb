import { createHmac, timingSafeEqual } from 'node:crypto';
import { userId as userIdSchema } from './requests.js';

/** What a user token asserts: this app user, until `exp` (Unix seconds). */
export interface UserTokenClaims { sub: string; exp: number }

/** Longest life a token may claim, in seconds: a token is minted per page view, not stored. */
export const userTokenMaxLifetimeSeconds = 900;

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url');

/**
 * A user token: `v1.<base64url JSON {sub, exp}>.<base64url HMAC-SHA256(secret, "v1." + payload)>`.
 * The app's sign-in backend mints one for the signed-in user (any language: it is one HMAC), and
 * the component holding the write key passes it along; the key alone then cannot act for another user.
 */
export function signUserToken(secret: string, claims: UserTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `v1.${payload}.${sign(secret, payload)}`;
}

/** The claims of a valid, unexpired token that lives at most {@link userTokenMaxLifetimeSeconds}; undefined otherwise. */
export function verifyUserToken(secret: string, token: string, nowSeconds: number): UserTokenClaims | undefined {
  if (token.length > 2048) return undefined;
  const [version, payload, signature, ...rest] = token.split('.');
  if (version !== 'v1' || !payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { sub, exp } = (claims ?? {}) as { sub?: unknown; exp?: unknown };
  if (typeof sub !== 'string' || !userIdSchema.safeParse(sub).success || typeof exp !== 'number' || !Number.isInteger(exp)) return undefined;
  if (exp <= nowSeconds || exp - nowSeconds > userTokenMaxLifetimeSeconds) return undefined;
  return { sub, exp };
}
