import type { NextFunction, Request, Response } from 'express';
import { findActiveKey, type ApiKeyRecord, type KeyScope } from '../../shared/api-keys.js';
import type { Db } from '../../shared/db.js';
import { forbidden, unauthorized } from '../../shared/errors.js';

/** The key that authenticated a request, on `res.locals.apiKey`. */
export type AuthenticatedKey = Pick<ApiKeyRecord, 'id' | 'name' | 'scope' | 'read_only'>;

interface CachedKey { key: AuthenticatedKey | undefined; until: number }

/**
 * Looks keys up by hash and caches the answer in-process for `ttlSeconds` (also a miss, so a flood
 * of bad keys costs one query each per TTL at most). A revoked key therefore stops working within
 * `API_KEY_CACHE_TTL_SECONDS`.
 */
export function createKeyVerifier(db: Db, ttlSeconds: number, now: () => number = Date.now) {
  const cache = new Map<string, CachedKey>();
  return async (secret: string): Promise<AuthenticatedKey | undefined> => {
    const cached = cache.get(secret);
    if (cached && cached.until > now()) return cached.key;
    const record = await findActiveKey(db, secret);
    const key = record && { id: record.id, name: record.name, scope: record.scope, read_only: record.read_only };
    if (cache.size > 10_000) cache.clear();
    cache.set(secret, { key, until: now() + ttlSeconds * 1000 });
    return key;
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;

/** Which scopes satisfy a requirement: `admin` can do everything; `read` and `write` are separate grants. */
const satisfies: Record<KeyScope, readonly KeyScope[]> = {
  read: ['read', 'admin'],
  write: ['write', 'admin'],
  admin: ['admin'],
  stream: ['stream', 'admin'],
};

/** Reads `Authorization: Bearer <key>`; 401 when missing or unknown, 403 when the scope is too small. */
export function requireScope(verify: KeyVerifier, scope: KeyScope) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized();
    const key = await verify(match[1]);
    if (!key) throw unauthorized('the API key is unknown or revoked');
    if (!satisfies[scope].includes(key.scope)) throw forbidden(`this route needs a key with scope ${scope}; this key has scope ${key.scope}`);
    res.locals.apiKey = key;
    next();
  };
}

export function authenticatedKey(res: Response): AuthenticatedKey {
  return res.locals.apiKey as AuthenticatedKey;
}
