import type { NextFunction, Request, Response } from 'express';
import { forbidden, unauthorized } from '../../shared/errors.js';
import type { AdminSessions } from '../admin/admin-sessions.js';
import { presentedKey } from '../admin/board-authentication.js';
import { crossOriginProblem, crossOriginRefused } from '../admin/same-origin.js';
import type { AuthenticatedKey, KeyVerifier } from '../middleware/authenticate.js';
import { csrfToken } from './csrf.js';

/** The key of a console request and its CSRF token. */
export interface ConsoleViewer { key: AuthenticatedKey; csrf: string }

export function viewerOf(res: Response): ConsoleViewer {
  return { key: res.locals.apiKey as AuthenticatedKey, csrf: res.locals.csrf as string };
}

const readMethods = new Set(['GET', 'HEAD']);

/**
 * Authentication of the console, the same as Bull Board's: an admin key as Bearer, as the password
 * of HTTP Basic, or the session cookie (`POST /admin/session` or the console's login form).
 * No credentials: 401 (the console's error page shows the login form). Another scope: 403.
 * Policy: a `read_only` key reads and is refused every write (its pages show no action); a write
 * must come from this origin ({@link crossOriginProblem}) and carry the session's CSRF token.
 */
export function consoleAuthentication(verify: KeyVerifier, sessions: AdminSessions) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { key, ambient, credential } = await presentedKey(req, verify, sessions);
    if (!key) throw unauthorized('log in with an admin key');
    if (key.scope !== 'admin') throw forbidden(`the console needs a key with scope admin; this key has scope ${key.scope}`);
    if (!readMethods.has(req.method)) {
      if (key.read_only) throw forbidden('this admin key is read-only: it may look but not change anything');
      const crossOrigin = crossOriginProblem(req, ambient);
      if (crossOrigin) throw crossOriginRefused(crossOrigin);
    }
    res.locals.apiKey = key;
    res.locals.csrf = csrfToken(credential);
    next();
  };
}
