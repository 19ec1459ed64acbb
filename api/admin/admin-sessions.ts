import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Config } from '../../shared/infra/config.js';
import type { Db } from '../../shared/infra/db.js';
import type { Redis } from '../../shared/infra/redis.js';
import type { AuthenticatedKey } from '../middleware/authenticate.js';

export const sessionCookie = 'billing_admin_session';
export const sessionTtlSeconds = 3600;

/**
 * The session cookie's options: HttpOnly, SameSite=Strict, Path=/admin, and Secure per
 * `COOKIE_SECURE` when set, otherwise on in production (a TLS proxy hides HTTPS from the api), else
 * when the request came over TLS.
 */
export function sessionCookieOptions(config: Pick<Config, 'COOKIE_SECURE' | 'NODE_ENV'>, req: Request) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/admin', secure: config.COOKIE_SECURE ?? (config.NODE_ENV === 'production' || req.secure) };
}

/**
 * Browser sessions for the admin pages: a random 256-bit token in an HttpOnly cookie; Redis keeps
 * only its hash → the key id, with a TTL of one hour. Every use re-reads the key, so revoking the
 * key ends its sessions at once.
 */
export class AdminSessions {
  constructor(private readonly redis: Redis, private readonly db: Db, private readonly prefix: string) {}

  private keyOf(token: string): string {
    return `${this.prefix}:admin-session:${createHash('sha256').update(token).digest('hex')}`;
  }

  async create(key: AuthenticatedKey): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(this.keyOf(token), key.id, 'EX', sessionTtlSeconds);
    return { token, expiresAt: new Date(Date.now() + sessionTtlSeconds * 1000) };
  }

  /** Ends a session; the key id it belonged to, or undefined when there was no such session. */
  async end(token: string): Promise<string | undefined> {
    if (!/^[\w-]{43}$/.test(token)) return undefined;
    const keyId = await this.redis.getdel(this.keyOf(token));
    return keyId ?? undefined;
  }

  /** The active key behind a session token, or undefined (expired, unknown, or the key revoked). */
  async resolve(token: string): Promise<AuthenticatedKey | undefined> {
    if (!/^[\w-]{43}$/.test(token)) return undefined;
    const keyId = await this.redis.get(this.keyOf(token));
    if (!keyId) return undefined;
    return this.db('api_keys').where({ id: keyId }).whereNull('revoked_at').first<AuthenticatedKey | undefined>('id', 'name', 'scope', 'read_only');
  }
}

/** The value of one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [cookieName, ...value] = part.trim().split('=');
    if (cookieName === name) return value.join('=');
  }
  return undefined;
}
