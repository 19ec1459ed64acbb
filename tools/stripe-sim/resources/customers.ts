import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import type { FormObject } from '../form.js';
import { inRange, newestFirst, paginate } from '../list.js';
import { mustGet } from '../ops/lookup.js';
import { createCustomer, deleteCustomer, updateCustomer, type CustomerPatch } from '../ops/customers.js';
import { mergeMetadata, optObject, optString } from '../params.js';

function nullable(body: FormObject, name: string): string | null | undefined {
  const value = optString(body, name);
  return value === '' ? null : value;
}

function paymentMethod(body: FormObject): string | null | undefined {
  const settings = optObject(body, 'invoice_settings');
  return (settings && nullable(settings, 'default_payment_method')) ?? nullable(body, 'payment_method');
}

export function customerRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/customers', ({ body }) => createCustomer(ctx, {
    email: nullable(body, 'email') ?? null,
    name: nullable(body, 'name') ?? null,
    description: nullable(body, 'description') ?? null,
    phone: nullable(body, 'phone') ?? null,
    metadata: mergeMetadata({}, body) ?? {},
    default_payment_method: paymentMethod(body) ?? null,
  }));

  routes.get('/customers/:id', ({ params }) => mustGet(ctx.store.customers, params.id ?? '', 'customer'));

  routes.post('/customers/:id', ({ params, body }) => {
    const id = params.id ?? '';
    const current = mustGet(ctx.store.customers, id, 'customer');
    const patch: CustomerPatch = {};
    for (const field of ['email', 'name', 'description', 'phone'] as const) {
      const value = nullable(body, field);
      if (value !== undefined) patch[field] = value;
    }
    const metadata = mergeMetadata(current.deleted ? {} : current.metadata, body);
    if (metadata !== undefined) patch.metadata = metadata;
    const method = paymentMethod(body);
    if (method !== undefined) patch.default_payment_method = method;
    return updateCustomer(ctx, id, patch);
  });

  routes.delete('/customers/:id', ({ params }) => deleteCustomer(ctx, params.id ?? ''));

  routes.get('/customers', ({ body }) => {
    const email = optString(body, 'email');
    const customers = newestFirst(ctx.store.customers).flatMap((customer) => (customer.deleted ? [] : [customer]));
    const matching = customers.filter((customer) => (email === undefined || customer.email === email) && inRange(customer.created, body.created));
    return paginate(matching, body, '/v1/customers');
  });
}
