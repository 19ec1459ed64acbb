import type Stripe from 'stripe';
import type { SimStore } from '../store.js';

/** `Pro — 20.00 USD / month`, as a buyer reads a price. */
export function priceLabel(store: SimStore, price: Stripe.Price): string {
  const productId = typeof price.product === 'string' ? price.product : price.product.id;
  const product = store.products.get(productId);
  const amount = `${((price.unit_amount ?? 0) / 100).toFixed(2)} ${price.currency.toUpperCase()}`;
  const interval = price.recurring ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}` : '';
  return `${product?.name ?? productId} — ${amount}${interval}${price.lookup_key ? ` (${price.lookup_key})` : ''}`;
}

/** Test card numbers as Stripe documents them, turned into the payment methods the simulator knows. */
export function paymentMethodForCard(card: string): string {
  const digits = card.replace(/\D/g, '');
  if (digits === '4000000000000002' || digits === '4000000000009995') return 'pm_card_chargeDeclined';
  return 'pm_card_visa';
}

export const testCards = [
  ['4242 4242 4242 4242', 'succeeds'],
  ['4000 0000 0000 0002', 'is declined'],
] as const;
