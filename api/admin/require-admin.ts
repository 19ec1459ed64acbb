import type { NextFunction, Request, Response } from 'express';
import { forbidden } from '../../shared/errors.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';

const readMethods = new Set(['GET', 'HEAD']);

/**
 * The admin JSON routes: `Authorization: Bearer <key>` with scope `admin` (401 without a valid key,
 * 403 for a smaller scope). Policy: a key marked `read_only` may read (GET, HEAD) and is refused
 * every write with a 403, the same rule Bull Board applies to it. `allowReadOnly` is for
 * `POST /admin/session` only: opening a session is how a read-only key looks at the dashboard.
 */
export function requireAdmin(verify: KeyVerifier, options: { allowReadOnly?: boolean } = {}) {
  const admin = requireScope(verify, 'admin');
  return (req: Request, res: Response, next: NextFunction) =>
    admin(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      if (!options.allowReadOnly && authenticatedKey(res).read_only && !readMethods.has(req.method)) {
        return next(forbidden('this admin key is read-only: it may read but not change anything'));
      }
      next();
    });
}
