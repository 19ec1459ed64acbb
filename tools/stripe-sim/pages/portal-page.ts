import type Stripe from 'stripe';
import { html, layout } from '../../../shared/pages/html.js';
import type { SimStore } from '../store.js';
import { priceLabel } from './labels.js';

const date = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

function subscriptionCard(portal: Stripe.BillingPortal.Session, store: SimStore, subscription: Stripe.Subscription) {
  const item = subscription.items.data[0];
  const prices = [...store.prices.values()].filter((price) => price.active && price.recurring);
  const base = `/portal/${portal.id}/subscriptions/${subscription.id}`;
  const live = subscription.status !== 'canceled';
  const periodEnd = item ? date(item.current_period_end) : '';
  return html`<section class="op">
<h3>${item ? priceLabel(store, item.price) : subscription.id}${item && item.quantity && item.quantity > 1 ? ` × ${item.quantity}` : ''}</h3>
<p><span class="status ${live ? 'ok' : 'bad'}">${subscription.status}</span> ${subscription.cancel_at_period_end ? `cancels on ${periodEnd}` : live ? `renews on ${periodEnd}` : ''} · <code>${subscription.id}</code></p>
${live ? html`
<form class="stack" method="post" action="${base}/plan">
<label>Change plan <select name="price">${prices.map((price) => html`<option value="${price.id}"${price.id === item?.price.id ? html` selected` : ''}>${priceLabel(store, price)}</option>`)}</select></label>
<div class="actions"><button type="submit">Update plan</button></div>
</form>
<form method="post" action="${base}/${subscription.cancel_at_period_end ? 'resume' : 'cancel'}"><div class="actions">
<button class="secondary" type="submit">${subscription.cancel_at_period_end ? 'Resume subscription' : 'Cancel at period end'}</button></div></form>` : ''}
</section>`;
}

/** The billing portal: the customer's subscriptions with change plan, cancel and resume. */
export function portalPage(portal: Stripe.BillingPortal.Session, store: SimStore, notice?: string): string {
  const customer = store.customers.get(portal.customer);
  const subscriptions = [...store.subscriptions.values()].filter((sub) => (typeof sub.customer === 'string' ? sub.customer : sub.customer.id) === portal.customer);
  const email = customer && !('deleted' in customer && customer.deleted) ? (customer).email : null;
  return layout('Billing portal (simulator)', html`
<p class="lead">Stripe simulator · test mode</p>
<h1>Billing portal</h1>
<p>Customer <code>${portal.customer}</code>${email ? ` · ${email}` : ''}</p>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${subscriptions.length ? subscriptions.map((sub) => subscriptionCard(portal, store, sub)) : html`<p>No subscriptions.</p>`}
${portal.return_url ? html`<p><a href="${portal.return_url}">Return to the merchant</a></p>` : ''}`);
}
