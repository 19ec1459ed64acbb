import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { resourceMissing } from '../errors.js';
import { newestFirst, paginate } from '../list.js';
import { createFeature } from '../ops/catalog.js';
import { liveCustomer, mustGet } from '../ops/lookup.js';
import { mergeMetadata, optString, reqString } from '../params.js';

export function entitlementRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/entitlements/features', ({ body }) => createFeature(ctx, {
    lookup_key: reqString(body, 'lookup_key'),
    name: reqString(body, 'name'),
    metadata: mergeMetadata({}, body) ?? {},
  }));
  routes.get('/entitlements/features/:id', ({ params }) => mustGet(ctx.store.features, params.id ?? '', 'feature'));
  routes.get('/entitlements/features', ({ body }) => {
    const lookupKey = optString(body, 'lookup_key');
    const features = newestFirst(ctx.store.features).filter((feature) => lookupKey === undefined || feature.lookup_key === lookupKey);
    return paginate(features, body, '/v1/entitlements/features');
  });

  routes.get('/entitlements/active_entitlements', ({ body }) => {
    const customer = liveCustomer(ctx, reqString(body, 'customer')).id;
    return paginate(ctx.store.activeEntitlements.get(customer) ?? [], body, '/v1/entitlements/active_entitlements');
  });
  routes.get('/entitlements/active_entitlements/:id', ({ params }) => {
    for (const list of ctx.store.activeEntitlements.values()) {
      const found = list.find((entitlement) => entitlement.id === params.id);
      if (found) return found;
    }
    throw resourceMissing('active_entitlement', params.id ?? '');
  });
}
