import { z } from 'zod';
import { maxWaitMs } from '../../shared/entitlements/wait-for-version.js';
import { parseInput } from '../admin/parse-input.js';

/** Set on a `min_version` read that answered before that version was visible. */
export const versionTimeoutHeader = 'Min-Version-Timed-Out';

const integer = (max: number) => z.string().regex(/^\d{1,16}$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(0).max(max, `must be at most ${max}`));

const waitQuery = z.object({
  min_version: integer(Number.MAX_SAFE_INTEGER).optional(),
  wait_ms: integer(maxWaitMs).optional(),
});

/**
 * `?min_version=N&wait_ms=M` of an entitlement read: undefined without `min_version`. `wait_ms`
 * defaults to the longest wait (5000): asking for a version means wanting it.
 */
export function versionWait(query: unknown): { minVersion: number; waitMs: number } | undefined {
  const { min_version: minVersion, wait_ms: waitMs } = parseInput(waitQuery, query, 'query');
  return minVersion === undefined ? undefined : { minVersion, waitMs: waitMs ?? maxWaitMs };
}
