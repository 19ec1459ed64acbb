import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../../shared/infra/config.js';
import { verifyUserToken } from '../../shared/checkout/user-token.js';
import { AppError } from '../../shared/errors.js';

/**
 * With `USER_TOKEN_SECRET` set, checkout and portal act only for the user a valid `X-User-Token`
 * names (401 `user_token_required` without a valid one); the subject is left on
 * `res.locals.userTokenSubject` for {@link requireSubject}. Without the setting it does nothing.
 */
export function userToken(config: Pick<Config, 'USER_TOKEN_SECRET'>, now: () => number = Date.now) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (config.USER_TOKEN_SECRET === undefined) return next();
    const claims = verifyUserToken(config.USER_TOKEN_SECRET, req.get('x-user-token') ?? '', Math.floor(now() / 1000));
    if (!claims) throw new AppError(401, 'authentication', 'user_token_required', 'a valid, unexpired X-User-Token for the user is required (USER_TOKEN_SECRET is set)');
    res.locals.userTokenSubject = claims.sub;
    next();
  };
}

/** The user a token restricts this request to, or undefined when no token is required. */
export function tokenSubject(res: Response): string | undefined {
  return res.locals.userTokenSubject as string | undefined;
}

/** 403 `user_token_mismatch` when a token is required and names someone else. */
export function requireSubject(res: Response, userId: string | null | undefined): void {
  const subject = tokenSubject(res);
  if (subject !== undefined && subject !== userId) {
    throw new AppError(403, 'permission', 'user_token_mismatch', 'the X-User-Token names another user than this request acts for');
  }
}
