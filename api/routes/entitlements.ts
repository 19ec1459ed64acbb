import { Router, type Request, type Response } from 'express';
import { isEntitled } from '../../shared/domain/index.js';
import { badRequest } from '../../shared/errors.js';
import type { EntitlementCache } from '../../shared/entitlements/cache.js';
import { isFeatureName, requireRefKind, weakEtag } from '../../shared/entitlements/read.js';
import { readAtLeast } from '../../shared/entitlements/wait-for-version.js';
import { readBalance } from '../../shared/usage/consume.js';
import { meteredFeatures } from '../../shared/usage/metered-features.js';
import type { UsageDeps } from '../../shared/usage/usage-target.js';
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
 * `min_version` the list read waits (up to `wait_ms`) for that version: read-your-writes. A known
 * customer's list also carries `balances`, one per metered feature of the catalog.
 */
export function entitlementRoutes(verify: KeyVerifier, cache: EntitlementCache, usage?: UsageDeps): Router {
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
    // Metered features add their balances (live from Redis, so the tag covers them too); without any, the hot path is unchanged.
    const metered = usage && prepared.view.customer ? meteredFeatures(usage.context.catalogFile) : [];
    if (usage && metered.length > 0) {
      const balances = [];
      for (const feature of metered) balances.push(await readBalance(usage, ref, feature));
      const extra = `,"balances":${JSON.stringify(balances)}`;
      sendTagged(req, res, weakEtag(prepared.etag + extra), () => `${prepared.bodyPrefix}${extra},"as_of":"${cache.now().toISOString()}"}`);
      return;
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
