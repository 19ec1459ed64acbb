import type { z } from 'zod';
import { badRequest } from '../../shared/errors.js';

/**
 * Parses a query string or a JSON body; a bad one is a 400 (`invalid_query` or
 * `invalid_request_body`) whose message names every bad field and whose `param` is the first.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: 'query' | 'body'): T {
  const code = where === 'query' ? 'invalid_query' : 'invalid_request_body';
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest(code, where === 'body' ? 'the body must be a JSON object (Content-Type: application/json)' : 'the query string could not be read');
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a known field' }))
      : [{ field: issue.path.join('.') || `(${where})`, message: issue.message }],
  );
  throw badRequest(code, fields.map(({ field, message }) => `${field}: ${message}`).join('; '), { param: fields[0]?.field, fields });
}
