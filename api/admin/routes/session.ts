import { Router, type Request, type RequestHandler } from 'express';
import { readCookie, sessionCookie, sessionCookieOptions, type AdminSessions } from '../admin-sessions.js';
import { writeAudit } from '../../../shared/audit.js';
import { openSession } from '../open-session.js';
import { crossOriginProblem, crossOriginRefused } from '../same-origin.js';
import type { Context } from '../../../shared/context.js';
import { authenticatedKey } from '../../middleware/authenticate.js';

/**
 * `POST /admin/session` (Bearer admin key) → 201 and a session cookie for the browser pages under
 * `/admin` (HttpOnly, SameSite=Strict, Path=/admin, one hour; Secure per `COOKIE_SECURE`).
 * `DELETE /admin/session` (the cookie) → 204: ends the session in Redis and clears the cookie.
 */
export function sessionRoutes(context: Pick<Context, 'config' | 'db'>, admin: RequestHandler, sessions: AdminSessions): Router {
  const router = Router();
  const cookieOptions = (req: Request) => sessionCookieOptions(context.config, req);
  router.post('/admin/session', admin, async (req, res) => {
    const key = authenticatedKey(res);
    const expiresAt = await openSession(context, sessions, key, req, res);
    res.status(201).json({ expires_at: expiresAt, read_only: key.read_only });
  });
  // Logging out needs no key: whoever holds the cookie may end its session. Without one it is a no-op.
  router.delete('/admin/session', async (req, res) => {
    const token = readCookie(req.get('cookie'), sessionCookie);
    const crossOrigin = crossOriginProblem(req, token !== undefined);
    if (crossOrigin) throw crossOriginRefused(crossOrigin);
    const keyId = token ? await sessions.end(token) : undefined;
    if (keyId) {
      await writeAudit(context.db, { actor: `key:${keyId}`, requestId: res.locals.requestId as string | undefined }, { action: 'admin_session.ended', subjectType: 'api_key', subjectId: keyId });
    }
    res.clearCookie(sessionCookie, cookieOptions(req));
    res.status(204).end();
  });
  return router;
}
