import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { newestFirst, paginate } from '../list.js';
import { createCheckoutSession, createPortalSession, type NewCheckoutSession } from '../ops/checkout.js';
import type { FormObject } from '../form.js';
import type { TrialEndBehaviour } from '../store.js';
import { idOf } from '../id-of.js';
import { mustGet } from '../ops/lookup.js';
import { mergeMetadata, optBool, optInt, optObject, optObjects, optString, reqString } from '../params.js';

const collections = new Set(['always', 'if_required']);
const trialEndBehaviours = new Set(['pause', 'cancel', 'create_invoice']);
const addressCollections = new Set(['auto', 'required']);

/** Currency, payment method collection, the trial's end behaviour and tax, as Stripe names them. */
function checkoutSettings(body: FormObject, subscriptionData: FormObject): Partial<NewCheckoutSession> {
  const oneOf = <T extends string>(value: string | undefined, allowed: Set<string>, param: string): T | undefined => {
    if (value !== undefined && !allowed.has(value)) throw invalidRequest(`Invalid ${param}: must be one of ${[...allowed].join(', ')}`, 'parameter_invalid', param);
    return value as T | undefined;
  };
  const endBehavior = optObject(optObject(subscriptionData, 'trial_settings') ?? {}, 'end_behavior') ?? {};
  const settings: Partial<NewCheckoutSession> = {};
  const currency = optString(body, 'currency');
  if (currency !== undefined) settings.currency = currency.toLowerCase();
  const collection = oneOf<'always' | 'if_required'>(optString(body, 'payment_method_collection'), collections, 'payment_method_collection');
  if (collection) settings.paymentMethodCollection = collection;
  const behaviour = oneOf<TrialEndBehaviour>(optString(endBehavior, 'missing_payment_method'), trialEndBehaviours, 'subscription_data[trial_settings][end_behavior][missing_payment_method]');
  if (behaviour) settings.trialEndBehaviour = behaviour;
  const automaticTax = optBool(optObject(body, 'automatic_tax') ?? {}, 'enabled');
  if (automaticTax !== undefined) settings.automaticTax = automaticTax;
  const taxIds = optBool(optObject(body, 'tax_id_collection') ?? {}, 'enabled');
  if (taxIds !== undefined) settings.taxIdCollection = taxIds;
  const address = oneOf<'auto' | 'required'>(optString(body, 'billing_address_collection'), addressCollections, 'billing_address_collection');
  if (address) settings.billingAddressCollection = address;
  return settings;
}

export function checkoutRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/checkout/sessions', ({ body }) => {
    const subscriptionData = optObject(body, 'subscription_data') ?? {};
    const lineItems = (optObjects(body, 'line_items') ?? []).map((item, i) => {
      const price = optString(item, 'price');
      if (price === undefined) throw invalidRequest(`Missing required param: line_items[${i}][price].`, 'parameter_missing', `line_items[${i}][price]`);
      return { price, quantity: optInt(item, 'quantity') ?? 1 };
    });
    return createCheckoutSession(ctx, {
      mode: reqString(body, 'mode'),
      customer: optString(body, 'customer'),
      customerEmail: optString(body, 'customer_email'),
      clientReferenceId: optString(body, 'client_reference_id'),
      successUrl: optString(body, 'success_url'),
      cancelUrl: optString(body, 'cancel_url'),
      metadata: mergeMetadata({}, body) ?? {},
      lineItems,
      trialDays: optInt(subscriptionData, 'trial_period_days') ?? null,
      subscriptionMetadata: mergeMetadata({}, subscriptionData) ?? {},
      ...checkoutSettings(body, subscriptionData),
    });
  });
  routes.get('/checkout/sessions/:id', ({ params }) => mustGet(ctx.store.checkoutSessions, params.id ?? '', 'checkout.session'));
  routes.get('/checkout/sessions', ({ body }) => {
    const customer = optString(body, 'customer');
    const subscription = optString(body, 'subscription');
    const sessions = newestFirst(ctx.store.checkoutSessions).filter((session) =>
      (customer === undefined || idOf(session.customer) === customer) && (subscription === undefined || idOf(session.subscription) === subscription));
    return paginate(sessions, body, '/v1/checkout/sessions');
  });

  routes.post('/billing_portal/sessions', ({ body }) => createPortalSession(ctx, reqString(body, 'customer'), optString(body, 'return_url') ?? null));
}
