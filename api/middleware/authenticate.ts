import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { findActiveKeyByHash, hashKey, looksLikeKey, type ApiKeyRecord, type KeyScope } from '../../shared/api-keys.js';
import type { Db } from '../../shared/infra/db.js';
import { forbidden, unauthorized } from '../../shared/errors.js';

/** The key that authenticated a request, on `res.locals.apiKey`. */
export type AuthenticatedKey = Pick<ApiKeyRecord, 'id' | 'name' | 'scope' | 'read_only'>;

/** Bounds of the two caches: every active key of a deployment fits in the first; the second only shields Postgres. */
export interface KeyCacheLimits {
  /** Keys that verified. @defaultValue 10000 */
  known?: number;
  /** Well-formed secrets that matched no active key. @defaultValue 1000 */
  unknown?: number;
}

/**
 * Verifies API keys, cached in-process for `ttlSeconds` (0: no cache). Policy, in order: a string
 * that does not have the key format is refused without touching any cache or Postgres; caches
 * are keyed by the SHA-256 of the secret (never the secret, whose length the caller chooses);
 * verified keys and misses live in separate bounded LRUs, so a flood of made-up keys evicts
 * only other made-up keys, never a real one. A revoked key stops working within the TTL.
 */
export function createKeyVerifier(db: Db, ttlSeconds: number, limits: KeyCacheLimits = {}) {
  const ttl = ttlSeconds * 1000;
  const known = ttl > 0 ? new LRUCache<string, AuthenticatedKey>({ max: limits.known ?? 10_000, ttl }) : undefined;
  const unknown = ttl > 0 ? new LRUCache<string, true>({ max: limits.unknown ?? 1000, ttl }) : undefined;
  const verify = async (secret: string): Promise<AuthenticatedKey | undefined> => {
    if (!looksLikeKey(secret)) return undefined;
    const hash = hashKey(secret);
    const cached = known?.get(hash);
    if (cached) return cached;
    if (unknown?.has(hash)) return undefined;
    const record = await findActiveKeyByHash(db, hash);
    if (!record) {
      unknown?.set(hash, true);
      return undefined;
    }
    const key = { id: record.id, name: record.name, scope: record.scope, read_only: record.read_only };
    known?.set(hash, key);
    return key;
  };
  /** Entries held by the caches, for tests and the fuzz suite. */
  verify.cached = () => ({ known: known?.size ?? 0, unknown: unknown?.size ?? 0 });
  return verify;
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
