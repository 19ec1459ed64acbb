import { Router, type Request, type Response } from 'express';
import { isEntitled } from '../../shared/domain/index.js';
import { badRequest } from '../../shared/errors.js';
import type { EntitlementCache } from '../../shared/entitlements/cache.js';
import { isFeatureName, requireRefKind, weakEtag } from '../../shared/entitlements/read.js';
import { readAtLeast } from '../../shared/entitlements/wait-for-version.js';
import { requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { versionTimeoutHeader, versionWait } from './version-wait.js';

function refParam(req: Request): string {
  const ref = String(req.params.ref);
  requireRefKind(ref);
  return ref;
}

/**
 * If-None-Match by weak comparison (RFC 9110 §13.1.2). Not `req.fresh`: that follows cache rules and
 * ignores the header when the request says `Cache-Control: no-cache`, which fetch() adds to every
 * conditional request.
 */
function matchesIfNoneMatch(req: Request, etag: string): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** Sends a JSON body under an ETag, or 304 with no body when the client already holds it. */
function sendTagged(req: Request, res: Response, etag: string, body: () => string): void {
  res.set('Cache-Control', 'private, no-cache').set('ETag', etag);
  if (matchesIfNoneMatch(req, etag)) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(body());
}

/**
 * `GET /v1/customers/:ref/entitlements[/:feature]` (scope read). An unknown customer is a 200 with
 * `customer: null`, no entitlements and version 0, so apps need no special case. With
 * `min_version` the list read waits (up to `wait_ms`) for that version: read-your-writes.
 */
export function entitlementRoutes(verify: KeyVerifier, cache: EntitlementCache): Router {
  const router = Router();
  const readScope = requireScope(verify, 'read');

  router.get('/v1/customers/:ref/entitlements', readScope, async (req, res) => {
    const ref = refParam(req);
    // The hot path: no query string, one cache lookup.
    const wait = req.url.includes('?') ? versionWait(req.query) : undefined;
    let prepared;
    if (wait) {
      const read = await readAtLeast(cache, ref, wait.minVersion, wait.waitMs);
      if (read.timedOut) res.set(versionTimeoutHeader, 'true');
      prepared = read.prepared;
    } else {
      prepared = await cache.get(ref);
    }
    sendTagged(req, res, prepared.etag, () => `${prepared.bodyPrefix},"as_of":"${cache.now().toISOString()}"}`);
  });

  router.get('/v1/customers/:ref/entitlements/:feature', readScope, async (req, res) => {
    const ref = refParam(req);
    const feature = String(req.params.feature);
    if (!isFeatureName(feature)) throw badRequest('invalid_feature', 'the feature name must be 1–200 characters from [A-Za-z0-9_.:@+-]');
    const entitlement = (await cache.get(ref)).byFeature.get(feature);
    const body = JSON.stringify({
      feature,
      entitled: entitlement ? isEntitled(entitlement.value) : false,
      value: entitlement?.value ?? null,
      expires_at: entitlement?.expires_at ?? null,
    });
    sendTagged(req, res, weakEtag(body), () => body);
  });
  return router;
}
