import { hash, randomBytes } from 'node:crypto';
import type { Db } from './infra/db.js';
import { internalError } from './errors.js';

/** `stream`: the event stream of every customer (`GET /v1/stream`), nothing else. */
export type KeyScope = 'read' | 'write' | 'admin' | 'stream';
export const keyScopes: readonly KeyScope[] = ['read', 'write', 'admin', 'stream'];

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scope: KeyScope;
  read_only: boolean;
  created_at: Date;
  revoked_at: Date | null;
}

const keyPattern = /^bk_(read|write|admin|stream)_[A-Za-z0-9_-]{32,64}$/;

/** Keys are stored as SHA-256: they are 192 random bits, so a slow hash adds nothing. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function looksLikeKey(key: string): boolean {
  return keyPattern.test(key);
}

/** Creates a key and returns it once; only its hash is stored. */
export async function createKey(db: Db, input: { name: string; scope: KeyScope; readOnly?: boolean }): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = `bk_${input.scope}_${randomBytes(24).toString('base64url')}`;
  const [record] = await db('api_keys')
    .insert({ name: input.name, scope: input.scope, read_only: input.readOnly ?? false, prefix: key.slice(0, 14), hash: hashKey(key) })
    .returning<ApiKeyRecord[]>(['id', 'name', 'prefix', 'scope', 'read_only', 'created_at', 'revoked_at']);
  if (!record) throw internalError('api_key_not_written', 'api key insert returned no row');
  return { record, key };
}

export async function listKeys(db: Db): Promise<ApiKeyRecord[]> {
  return db<ApiKeyRecord>('api_keys').select('id', 'name', 'prefix', 'scope', 'read_only', 'created_at', 'revoked_at').orderBy('created_at');
}

/** Revokes a key; false when no active key has that id. */
export async function revokeKey(db: Db, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const count = await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return count > 0;
}

/** The active key with this secret, or undefined. */
export async function findActiveKey(db: Db, key: string): Promise<ApiKeyRecord | undefined> {
  if (!looksLikeKey(key)) return undefined;
  return findActiveKeyByHash(db, hashKey(key));
}

/** The active key whose secret hashes to `hash` (see {@link hashKey}), or undefined. */
export async function findActiveKeyByHash(db: Db, hash: string): Promise<ApiKeyRecord | undefined> {
  return (await db('api_keys')
    .select('id', 'name', 'prefix', 'scope', 'read_only', 'created_at', 'revoked_at')
    .where('hash', hash)
    .whereNull('revoked_at')
    .first()) as ApiKeyRecord | undefined;
}
