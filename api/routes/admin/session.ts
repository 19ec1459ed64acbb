import { Router, type RequestHandler } from 'express';
import { sessionCookie, sessionTtlSeconds, type AdminSessions } from '../../admin/admin-sessions.js';
import { adminActor, writeAudit } from '../../admin/audit.js';
import type { Context } from '../../../shared/context.js';
import { authenticatedKey } from '../../middleware/authenticate.js';

/**
 * `POST /admin/session` (Bearer admin key) → 201 and a session cookie for the browser pages under
 * `/admin` (HttpOnly, SameSite=Strict, Path=/admin, one hour; Secure when the request came over TLS).
 */
export function sessionRoutes(context: Context, admin: RequestHandler, sessions: AdminSessions): Router {
  const router = Router();
  router.post('/admin/session', admin, async (req, res) => {
    const key = authenticatedKey(res);
    const { token, expiresAt } = await sessions.create(key);
    await writeAudit(context.db, adminActor(res), { action: 'admin_session.created', subjectType: 'api_key', subjectId: key.id, after: { expires_at: expiresAt } });
    res.cookie(sessionCookie, token, { httpOnly: true, sameSite: 'strict', path: '/admin', maxAge: sessionTtlSeconds * 1000, secure: req.secure });
    res.status(201).json({ expires_at: expiresAt, read_only: key.read_only });
  });
  return router;
}
