import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../shared/errors.js';

/** The form field every console form carries its token in. */
export const csrfField = '_csrf';

/**
 * The CSRF token of a console session: an HMAC of a fixed label keyed by the credential the
 * request authenticated with (the session token from the HttpOnly cookie, or the key of HTTP Basic
 * or Bearer). A page of another origin can make the browser send the cookie but can neither read
 * it nor a page holding the token, so it cannot produce the token. No server state, the same on
 * every api instance, and a new session has a new token.
 */
export function csrfToken(credential: string): string {
  return createHmac('sha256', credential).update('billing-console-csrf-v1').digest('base64url');
}

const refused = () => new AppError(403, 'permission', 'csrf_token_invalid', 'the form was not sent from a console page of this session (missing or wrong CSRF token); reload the page and try again');

/** After the form body is parsed: refuses a write whose `_csrf` field is not the session's token (403 `csrf_token_invalid`). */
export function requireCsrfToken(req: Request, res: Response, next: NextFunction): void {
  const expected = Buffer.from(res.locals.csrf as string);
  const body = req.body as Record<string, unknown> | undefined;
  const sent = body?.[csrfField];
  const presented = Buffer.from(typeof sent === 'string' ? sent : '');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return next(refused());
  next();
}
