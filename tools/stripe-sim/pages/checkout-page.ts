import type Stripe from 'stripe';
import { html, layout } from '../../../shared/pages/html.js';
import type { SimStore } from '../store.js';
import { priceLabel, testCards } from './labels.js';

export interface CheckoutView { session: Stripe.Checkout.Session; store: SimStore; error?: string; card?: string }

/** The hosted checkout page: what is bought, an email when the session has no customer, a test card, Pay and Cancel. */
export function checkoutPage({ session, store, error, card }: CheckoutView): string {
  const request = store.checkoutRequests.get(session.id);
  const lines = (request?.items ?? []).map((item) => {
    const price = store.prices.get(item.price);
    return `${price ? priceLabel(store, price) : item.price}${item.quantity > 1 ? ` × ${item.quantity}` : ''}`;
  });
  const trial = request?.trialDays ? `${request.trialDays}-day free trial, then ` : '';
  const total = `${((session.amount_total ?? 0) / 100).toFixed(2)} ${(session.currency ?? 'usd').toUpperCase()}`;
  if (session.status !== 'open') {
    return layout('Checkout (simulator)', html`
<h1>Checkout</h1>
<p class="notice">This checkout is ${session.status}${session.subscription ? html` (subscription <code>${typeof session.subscription === 'string' ? session.subscription : session.subscription.id}</code>)` : ''}.</p>
${session.success_url ? html`<p><a href="${session.success_url}">Return to the merchant</a></p>` : ''}`);
  }
  return layout('Checkout (simulator)', html`
<p class="lead">Stripe simulator · test mode</p>
<h1>Checkout</h1>
<ul>${lines.map((line) => html`<li>${line}</li>`)}</ul>
<p>${trial}<strong>${total}</strong> due today${session.client_reference_id ? html` · for user <code>${session.client_reference_id}</code>` : ''}</p>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form class="stack" method="post" action="/checkout/${session.id}/pay">
${session.customer === null ? html`<label>Email <input name="email" type="email" value="${session.customer_email ?? ''}" required></label>` : ''}
<label>Card number <input name="card" inputmode="numeric" autocomplete="off" value="${card ?? testCards[0][0]}" required></label>
<div class="actions"><button type="submit">Pay</button></div>
</form>
<form method="post" action="/checkout/${session.id}/cancel"><div class="actions"><button class="secondary" type="submit">Cancel</button></div></form>
<h3>Test cards</h3>
<ul>${testCards.map(([number, outcome]) => html`<li><code>${number}</code> ${outcome}</li>`)}</ul>`);
}

/** After Pay or Cancel: the outcome and the way back to the merchant. */
export function checkoutDonePage(title: string, text: string, url: string | null): string {
  return layout(`${title} (simulator)`, html`
<p class="lead">Stripe simulator · test mode</p>
<h1>${title}</h1>
<p>${text}</p>
${url ? html`<p><a href="${url}">Return to the merchant</a> (<code>${url}</code>)</p>` : ''}`);
}
