import type { Response } from 'express';
import type { Actor } from '../../shared/audit.js';
import { authenticatedKey } from '../middleware/authenticate.js';

/** The actor of an admin request: `key:<id>` of the authenticating key and the request id. */
export function adminActor(res: Response): Actor {
  return { actor: `key:${authenticatedKey(res).id}`, requestId: res.locals.requestId as string | undefined };
}
