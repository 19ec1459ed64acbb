import { badRequest } from '../errors.js';
import type { Stripe } from '../stripe.js';
import { isStripeNotFound } from '../stripe-errors.js';

export interface PriceRef { price?: string | undefined; lookup_key?: string | undefined }

/**
 * The price a checkout sells, from Stripe (the catalog's truth): it must exist, be active and be
 * recurring (checkout here only starts subscriptions). Anything else is a 400 `unknown_price`
 * naming what the caller sent.
 */
export async function resolvePrice(stripe: Stripe, ref: PriceRef): Promise<Stripe.Price> {
  const param = ref.price !== undefined ? 'price' : 'lookup_key';
  const named = `${param} ${ref.price ?? ref.lookup_key}`;
  const price = ref.price !== undefined ? await retrieveOrUndefined(stripe, ref.price) : await byLookupKey(stripe, ref.lookup_key ?? '');
  const problem = !price ? 'is not in the catalog'
    : !price.active ? 'is not active'
    : !price.recurring ? 'is not a recurring price; checkout sells subscriptions only'
    : undefined;
  if (!price || problem) throw badRequest('unknown_price', `${named} ${problem}`, { param });
  return price;
}

async function byLookupKey(stripe: Stripe, lookupKey: string): Promise<Stripe.Price | undefined> {
  const { data } = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  return data[0];
}

/** A 404 from Stripe means "no such price": the caller's mistake, not an upstream failure. */
async function retrieveOrUndefined(stripe: Stripe, id: string): Promise<Stripe.Price | undefined> {
  try {
    return await stripe.prices.retrieve(id);
  } catch (error) {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  }
}
