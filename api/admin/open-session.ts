import type { Request, Response } from 'express';
import type { Context } from '../../shared/context.js';
import type { AuthenticatedKey } from '../middleware/authenticate.js';
import { sessionCookie, sessionCookieOptions, sessionTtlSeconds, type AdminSessions } from './admin-sessions.js';
import { writeAudit } from '../../shared/audit.js';

/**
 * Opens a browser session for an admin key: the session in Redis, the audit row
 * `admin_session.created` and the cookie. `POST /admin/session` and the console's login form both
 * come here, so a session is opened and recorded one way only.
 */
export async function openSession(context: Pick<Context, 'config' | 'db'>, sessions: AdminSessions, key: AuthenticatedKey, req: Request, res: Response): Promise<Date> {
  const { token, expiresAt } = await sessions.create(key);
  await writeAudit(context.db, { actor: `key:${key.id}`, requestId: res.locals.requestId as string | undefined }, {
    action: 'admin_session.created', subjectType: 'api_key', subjectId: key.id, after: { expires_at: expiresAt },
  });
  res.cookie(sessionCookie, token, { ...sessionCookieOptions(context.config, req), maxAge: sessionTtlSeconds * 1000 });
  return expiresAt;
}
