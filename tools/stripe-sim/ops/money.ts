import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';

/**
 * Money in several currencies and tax, as the simulator models them.
 *
 * Currencies: a price's `currency_options` (kept beside the price, shown only when expanded, as
 * Stripe does) give its amount in each other currency; a subscription in a currency bills its
 * items at the price's amount in that currency.
 *
 * Tax: Stripe Tax's answer depends on the buyer's address and the account's registrations; the
 * simulator stands in a fixed rate per currency instead, applied to every invoice of a
 * subscription with `automatic_tax[enabled]`, exclusive of the price.
 */
export const taxRateBasisPoints: Readonly<Record<string, number>> = { eur: 2000, gbp: 2000, usd: 800 };
const defaultTaxRateBasisPoints = 1000;

export function taxRateOf(currency: string): number {
  return taxRateBasisPoints[currency] ?? defaultTaxRateBasisPoints;
}

/** Tax on an amount in minor units at the currency's fixed rate, rounded half up. */
export function taxOn(amount: number, currency: string): number {
  return Math.round((amount * taxRateOf(currency)) / 10_000);
}

/** A price's `currency_options`: its own currency first, then the others given at creation. */
export function currencyOptionsOf(ctx: SimContext, price: Stripe.Price): Record<string, Stripe.Price.CurrencyOptions> {
  const own: Stripe.Price.CurrencyOptions = { custom_unit_amount: null, tax_behavior: price.tax_behavior, unit_amount: price.unit_amount, unit_amount_decimal: price.unit_amount_decimal };
  return { [price.currency]: own, ...structuredClone(ctx.store.priceCurrencies.get(price.id) ?? {}) };
}

/** The currencies a price is sold in. */
export function priceCurrencies(ctx: SimContext, price: Stripe.Price): string[] {
  return Object.keys(currencyOptionsOf(ctx, price));
}

/** A price's unit amount in `currency`; Stripe's error when the price is not sold in it. */
export function unitAmountIn(ctx: SimContext, price: Stripe.Price, currency: string, param = 'currency'): number {
  const option = currencyOptionsOf(ctx, price)[currency];
  if (!option) {
    throw invalidRequest(`The price \`${price.id}\` does not support the currency \`${currency}\`; it supports ${priceCurrencies(ctx, price).join(', ')}.`, 'parameter_invalid', param);
  }
  return option.unit_amount ?? 0;
}

/** Amounts of a price in currencies other than its own (`currency_options[eur][unit_amount]=…`). */
export type CurrencyAmounts = Record<string, number>;

/** Keeps a new price's amounts in its other currencies. */
export function setCurrencyAmounts(ctx: SimContext, price: Stripe.Price, amounts: CurrencyAmounts): void {
  const others = Object.entries(amounts).filter(([currency]) => currency !== price.currency);
  if (others.length === 0) return;
  ctx.store.priceCurrencies.set(price.id, Object.fromEntries(others.map(([currency, amount]) => [currency, {
    custom_unit_amount: null, tax_behavior: price.tax_behavior, unit_amount: amount, unit_amount_decimal: null,
  }])));
}
