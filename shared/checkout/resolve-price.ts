import { badRequest } from '../errors.js';
import type { Stripe } from '../infra/stripe.js';
import { isStripeNotFound } from '../infra/stripe-errors.js';

export interface PriceRef {
  price?: string | undefined;
  lookup_key?: string | undefined;
  /** A currency the price must offer (lower case): its own, or one of its `currency_options`. */
  currency?: string | undefined;
}

/**
 * The price a checkout sells, from Stripe (the catalog's truth): it must exist, be active and be
 * recurring (checkout here only starts subscriptions), and offer the currency asked for. Anything
 * else is a 400 naming what the caller sent: `unknown_price`, or `unsupported_currency`.
 */
export async function resolvePrice(stripe: Stripe, ref: PriceRef): Promise<Stripe.Price> {
  const param = ref.price !== undefined ? 'price' : 'lookup_key';
  const named = `${param} ${ref.price ?? ref.lookup_key}`;
  // A price's other currencies are only in the answer when asked for.
  const withCurrencies = ref.currency !== undefined;
  const price = ref.price !== undefined ? await retrieveOrUndefined(stripe, ref.price, withCurrencies) : await byLookupKey(stripe, ref.lookup_key ?? '', withCurrencies);
  const problem = !price ? 'is not in the catalog'
    : !price.active ? 'is not active'
    : !price.recurring ? 'is not a recurring price; checkout sells subscriptions only'
    : undefined;
  if (!price || problem) throw badRequest('unknown_price', `${named} ${problem}`, { param });
  if (ref.currency !== undefined) assertCurrencyOffered(price, ref.currency, named);
  return price;
}

/** The currencies a price can be paid in: its own first, then those of its `currency_options`, sorted. */
export function priceCurrencies(price: Stripe.Price): string[] {
  const others = Object.keys(price.currency_options ?? {}).filter((currency) => currency !== price.currency).sort();
  return [price.currency, ...others];
}

function assertCurrencyOffered(price: Stripe.Price, currency: string, named: string): void {
  const offered = priceCurrencies(price);
  if (offered.includes(currency)) return;
  throw badRequest('unsupported_currency', `currency ${currency} is not offered by ${named} (it offers ${offered.join(', ')})`, { param: 'currency' });
}

async function byLookupKey(stripe: Stripe, lookupKey: string, withCurrencies: boolean): Promise<Stripe.Price | undefined> {
  const { data } = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1, ...(withCurrencies && { expand: ['data.currency_options'] }) });
  return data[0];
}

/** A 404 from Stripe means "no such price": the caller's mistake, not an upstream failure. */
async function retrieveOrUndefined(stripe: Stripe, id: string, withCurrencies: boolean): Promise<Stripe.Price | undefined> {
  try {
    return await stripe.prices.retrieve(id, withCurrencies ? { expand: ['currency_options'] } : {});
  } catch (error) {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  }
}
