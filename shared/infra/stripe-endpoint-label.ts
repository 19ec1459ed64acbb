/**
 * The `endpoint` label of `stripe_api_calls_total`: a resource template (`GET /v1/prices/:id`),
 * never a path segment as sent. Ids, lookup keys and custom price ids come from users and Stripe,
 * so a label taken from the path would grow a series per value; a template list cannot.
 * Policy: a path that matches no template is counted as `other` (add its template here).
 */
const templates = [
  '/v1/customers', '/v1/customers/search', '/v1/customers/:id', '/v1/customers/:id/subscriptions',
  '/v1/subscriptions', '/v1/subscriptions/search', '/v1/subscriptions/:id', '/v1/subscription_items/:id',
  '/v1/invoices', '/v1/invoices/search', '/v1/invoices/:id', '/v1/invoices/:id/finalize', '/v1/invoice_payments', '/v1/invoice_payments/:id',
  '/v1/charges', '/v1/charges/search', '/v1/charges/:id', '/v1/disputes', '/v1/disputes/:id', '/v1/refunds', '/v1/refunds/:id',
  '/v1/payment_intents/:id', '/v1/checkout/sessions', '/v1/checkout/sessions/:id', '/v1/checkout/sessions/:id/line_items',
  '/v1/billing_portal/sessions', '/v1/billing_portal/configurations', '/v1/billing_portal/configurations/:id',
  '/v1/prices', '/v1/prices/search', '/v1/prices/:id', '/v1/products', '/v1/products/search', '/v1/products/:id', '/v1/products/:id/features',
  '/v1/entitlements/active_entitlements', '/v1/entitlements/features', '/v1/entitlements/features/:id',
  '/v1/events', '/v1/events/:id', '/v1/billing/meters', '/v1/billing/meters/:id', '/v1/billing/meters/:id/event_summaries',
  '/v1/billing/meter_events', '/v1/billing/meter_event_adjustments', '/v2/billing/meter_event_session', '/v2/billing/meter_event_stream',
  '/v2/core/events', '/v2/core/events/:id', '/v1/test_helpers/test_clocks', '/v1/test_helpers/test_clocks/:id', '/v1/test_helpers/test_clocks/:id/advance',
].map((template) => template.split('/').slice(1));

const methods = new Set(['GET', 'POST', 'DELETE']);

/** Whether `segments` fit `template`: literal segments equal, `:id` any one segment. */
function fits(template: string[], segments: string[]): boolean {
  return template.length === segments.length && template.every((part, index) => part === ':id' || part === segments[index]);
}

/** A literal template beats one with `:id` in the same place (`/v1/customers/search` is not a customer). */
const specificity = (template: string[]) => template.filter((part) => part !== ':id').length;
const bySpecificity = [...templates].sort((a, b) => specificity(b) - specificity(a));

/** `GET /v1/customers/cus_123?expand[]=x` → `GET /v1/customers/:id`; an unknown path → `GET other`. */
export function endpointLabel(method: string, path: string): string {
  const verb = methods.has(method.toUpperCase()) ? method.toUpperCase() : 'OTHER';
  const segments = (path.split('?')[0] ?? '').split('/').slice(1);
  const template = bySpecificity.find((candidate) => fits(candidate, segments));
  return `${verb} ${template ? `/${template.join('/')}` : 'other'}`;
}
