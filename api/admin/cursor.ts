import { z } from 'zod';
import { badRequest } from '../../shared/errors.js';

/**
 * Opaque pagination cursors: base64url of a JSON array of the last row's sort key. Clients pass
 * `next_cursor` back unchanged; anything else is a 400 `invalid_cursor`.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends readonly unknown[]>(cursor: string, shape: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const result = shape.safeParse(value);
  if (!result.success) throw invalidCursor();
  return result.data;
}

const invalidCursor = () => badRequest('invalid_cursor', 'cursor: is not a cursor this api returned (pass next_cursor back unchanged)', { param: 'cursor' });

/**
 * For a page query's `.catch`: a cursor of the right shape can still hold values Postgres refuses
 * (a forged timestamp, an id past bigint, a NUL byte: data exceptions, class 22). With a cursor in
 * the request that is the client's mistake, a 400 `invalid_cursor`; other failures pass unchanged.
 */
export function rejectForgedCursor(cursor: string | undefined) {
  return (error: unknown): never => {
    const code = (error as { code?: unknown } | null)?.code;
    if (cursor && typeof code === 'string' && code.startsWith('22')) throw invalidCursor();
    throw error;
  };
}

/** `limit`: 1..200, default 50. */
export const pageLimit = z.coerce.number({ error: 'must be an integer from 1 to 200' }).int('must be an integer from 1 to 200').min(1, 'must be an integer from 1 to 200').max(200, 'must be an integer from 1 to 200').default(50);

/** Rows fetched one past the page: the extra row only says whether there is a next page. */
export function page<Row>(rows: Row[], limit: number, keyOf: (row: Row) => readonly (string | number)[]): { data: Row[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next_cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
