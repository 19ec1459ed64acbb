import type { Request } from 'express';
import { AppError } from '../../shared/errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF policy for writes under `/admin` that a browser can send with ambient credentials (the
 * session cookie, or HTTP Basic credentials the browser cached): the request must show it comes
 * from a page of this origin. `Sec-Fetch-Site: same-origin` (or `none`, typed by the user) does,
 * else an `Origin` equal to this server's origin does. Every browser sends one of the two with a
 * write, so a write carrying ambient credentials and neither header is refused too: scripts and
 * tools use `Authorization: Bearer`, which a foreign page cannot make a browser send.
 * A write that says it is cross-origin is refused whatever its credentials.
 * Returns the reason to refuse, or undefined.
 */
export function crossOriginProblem(req: Request, ambientCredentials: boolean): string | undefined {
  if (safeMethods.has(req.method)) return undefined;
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site}`;
  const origin = req.get('origin');
  if (origin !== undefined) return origin === `${req.protocol}://${req.get('host') ?? ''}` ? undefined : `Origin ${origin.slice(0, 200)} is not this server`;
  return ambientCredentials ? 'a write with a session cookie or Basic credentials must carry Origin or Sec-Fetch-Site' : undefined;
}

/** The 403 for {@link crossOriginProblem}. */
export function crossOriginRefused(problem: string): AppError {
  return new AppError(403, 'permission', 'cross_origin_request', `cross-origin write refused: ${problem}`);
}
