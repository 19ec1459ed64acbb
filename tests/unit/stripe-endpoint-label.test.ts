import test from 'ava';
import { endpointLabel } from '../../shared/infra/stripe-endpoint-label.js';

test('paths become resource templates: ids of any shape, query strings and literal sub-resources', (t) => {
  const cases: [string, string, string][] = [
    ['GET', '/v1/customers/cus_123?expand[]=subscriptions', 'GET /v1/customers/:id'],
    ['GET', '/v1/prices/gold-plan.7', 'GET /v1/prices/:id'],
    ['GET', '/v1/prices/price_1AbC', 'GET /v1/prices/:id'],
    ['GET', '/v1/prices?lookup_keys[0]=pro_monthly', 'GET /v1/prices'],
    ['GET', '/v1/customers/search?query=x', 'GET /v1/customers/search'],
    ['GET', '/v1/products/My%20Product/features', 'GET /v1/products/:id/features'],
    ['POST', '/v1/checkout/sessions', 'POST /v1/checkout/sessions'],
    ['GET', '/v1/checkout/sessions/cs_test_1', 'GET /v1/checkout/sessions/:id'],
    ['POST', '/v1/billing_portal/sessions', 'POST /v1/billing_portal/sessions'],
    ['GET', '/v1/entitlements/active_entitlements?customer=cus_1', 'GET /v1/entitlements/active_entitlements'],
  ];
  for (const [method, path, label] of cases) t.is(endpointLabel(method, path), label, path);
});

test('a path no template knows, and an unusual method, fall into fixed labels', (t) => {
  t.is(endpointLabel('GET', '/v1/gold-plan.1/whatever'), 'GET other');
  t.is(endpointLabel('GET', '/v1/prices/a/b/c/d'), 'GET other');
  t.is(endpointLabel('PATCH', '/v1/prices/x'), 'OTHER /v1/prices/:id');
});
