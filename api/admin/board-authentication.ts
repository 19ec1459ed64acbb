import type { NextFunction, Request, Response } from 'express';
import { forbidden, unauthorized } from '../../shared/errors.js';
import type { AuthenticatedKey, KeyVerifier } from '../middleware/authenticate.js';
import { readCookie, sessionCookie, sessionTtlSeconds, type AdminSessions } from './admin-sessions.js';

const challenge = 'Basic realm="billing admin", charset="UTF-8"';

/** The key a request presents: `Bearer <key>`, HTTP Basic with the key as password, or a session cookie. */
async function presentedKey(req: Request, verify: KeyVerifier, sessions: AdminSessions): Promise<AuthenticatedKey | undefined> {
  const [scheme, credentials] = (req.get('authorization') ?? '').trim().split(/\s+/, 2);
  if (scheme && credentials && /^bearer$/i.test(scheme)) return verify(credentials);
  if (scheme && credentials && /^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    // The user name is free (e.g. "admin"); the password is the key.
    return verify(decoded.slice(decoded.indexOf(':') + 1));
  }
  const token = readCookie(req.get('cookie'), sessionCookie);
  return token ? sessions.resolve(token) : undefined;
}

/**
 * Authentication of the browser pages under `/admin/queues` (Bull Board): an admin key as Bearer,
 * as the password of HTTP Basic, or through the session cookie `POST /admin/session` sets. A 401
 * carries `WWW-Authenticate: Basic` so a browser asks for the key. A `read_only` key may only read
 * (GET, HEAD); the board it sees is the read-only one.
 */
export function boardAuthentication(verify: KeyVerifier, sessions: AdminSessions) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = await presentedKey(req, verify, sessions);
    if (!key) {
      res.set('WWW-Authenticate', challenge);
      throw unauthorized('an admin key is required: Authorization: Bearer <key>, HTTP Basic with the key as password, or a session from POST /admin/session');
    }
    if (key.scope !== 'admin') throw forbidden(`the queue dashboard needs a key with scope admin; this key has scope ${key.scope}`);
    if (key.read_only && req.method !== 'GET' && req.method !== 'HEAD') throw forbidden('this admin key is read-only');
    res.locals.apiKey = key;
    // A browser that logged in with HTTP Basic (typed, or in the address as user:KEY@) gets a
    // session too: its later requests then authenticate by cookie, whatever the browser does
    // with the credentials it was given.
    if (req.method === 'GET' && req.path === '/' && /^basic\s/i.test(req.get('authorization') ?? '') && !readCookie(req.get('cookie'), sessionCookie)) {
      const { token } = await sessions.create(key);
      res.cookie(sessionCookie, token, { httpOnly: true, sameSite: 'strict', path: '/admin', maxAge: sessionTtlSeconds * 1000, secure: req.secure });
    }
    next();
  };
}
