import type { NextFunction, Request, Response } from 'express';
import { forbidden, unauthorized } from '../../shared/errors.js';
import type { AuthenticatedKey, KeyVerifier } from '../middleware/authenticate.js';
import type { Config } from '../../shared/infra/config.js';
import { readCookie, sessionCookie, sessionCookieOptions, sessionTtlSeconds, type AdminSessions } from './admin-sessions.js';
import { crossOriginProblem, crossOriginRefused } from './same-origin.js';

const challenge = 'Basic realm="billing admin", charset="UTF-8"';

/** What a request presents; `credential` is the secret it was verified by (the key or the session token). */
export interface PresentedKey { key: AuthenticatedKey | undefined; ambient: boolean; credential: string }

/**
 * The key a request presents: `Bearer <key>`, HTTP Basic with the key as password, or a session
 * cookie; `ambient` when a browser could have attached those credentials by itself (Basic, cookie).
 */
export async function presentedKey(req: Request, verify: KeyVerifier, sessions: AdminSessions): Promise<PresentedKey> {
  const [scheme, credentials] = (req.get('authorization') ?? '').trim().split(/\s+/, 2);
  if (scheme && credentials && /^bearer$/i.test(scheme)) return { key: await verify(credentials), ambient: false, credential: credentials };
  if (scheme && credentials && /^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    // The user name is free (e.g. "admin"); the password is the key.
    const secret = decoded.slice(decoded.indexOf(':') + 1);
    return { key: await verify(secret), ambient: true, credential: secret };
  }
  const token = readCookie(req.get('cookie'), sessionCookie) ?? '';
  return { key: token ? await sessions.resolve(token) : undefined, ambient: true, credential: token };
}

/**
 * Authentication of the browser pages under `/admin/queues` (Bull Board): an admin key as Bearer,
 * as the password of HTTP Basic, or through the session cookie `POST /admin/session` sets. A 401
 * carries `WWW-Authenticate: Basic` so a browser asks for the key. A `read_only` key may only read
 * (GET, HEAD); the board it sees is the read-only one. A write must pass the CSRF policy of
 * {@link crossOriginProblem}.
 */
export function boardAuthentication(verify: KeyVerifier, sessions: AdminSessions, config: Pick<Config, 'COOKIE_SECURE' | 'NODE_ENV'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { key, ambient } = await presentedKey(req, verify, sessions);
    if (!key) {
      res.set('WWW-Authenticate', challenge);
      throw unauthorized('an admin key is required: Authorization: Bearer <key>, HTTP Basic with the key as password, or a session from POST /admin/session');
    }
    if (key.scope !== 'admin') throw forbidden(`the queue dashboard needs a key with scope admin; this key has scope ${key.scope}`);
    if (key.read_only && req.method !== 'GET' && req.method !== 'HEAD') throw forbidden('this admin key is read-only');
    const crossOrigin = crossOriginProblem(req, ambient);
    if (crossOrigin) throw crossOriginRefused(crossOrigin);
    res.locals.apiKey = key;
    // A browser that logged in with HTTP Basic (typed, or in the address as user:KEY@) gets a
    // session too: its later requests then authenticate by cookie, whatever the browser does
    // with the credentials it was given.
    if (req.method === 'GET' && req.path === '/' && /^basic\s/i.test(req.get('authorization') ?? '') && !readCookie(req.get('cookie'), sessionCookie)) {
      const { token } = await sessions.create(key);
      res.cookie(sessionCookie, token, { ...sessionCookieOptions(config, req), maxAge: sessionTtlSeconds * 1000 });
    }
    next();
  };
}
