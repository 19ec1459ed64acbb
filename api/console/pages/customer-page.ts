import type { Balance } from '../../../shared/domain/index.js';
import { html, type SafeHtml } from '../../../shared/pages/html.js';
import type { ConsoleViewer } from '../console-auth.js';
import { badgeTone, standingBadges } from '../customer-status.js';
import type { CustomerStory } from '../data/customer-story.js';
import { badge, consoleBasePath, consolePage, csrfInput, customerHref, when } from '../layout.js';
import { customerTimeline, timelineKinds, type TimelineKind } from '../timeline.js';

export interface CustomerView { story: CustomerStory; balances: (Balance & { feature: string })[]; kind: TimelineKind | undefined; graceHours: number; now: Date; stripeDashboard: string }

const json = (value: unknown) => JSON.stringify(value, null, 1);

function actions(viewer: ConsoleViewer, view: CustomerView, href: string): SafeHtml {
  const { customer } = view.story;
  const dashboard = customer.stripe_customer_id ? html`<a class="button secondary" href="${view.stripeDashboard}customers/${customer.stripe_customer_id}" rel="noreferrer" target="_blank">Open in Stripe</a>` : '';
  if (viewer.key.read_only) return html`<div class="actions">${dashboard}</div>`;
  return html`
<h2 id="actions">Actions</h2>
<div class="actions">
${dashboard}
${customer.stripe_customer_id ? html`<form method="post" action="${href}/sync">${csrfInput(viewer)}<button type="submit">Sync now from Stripe</button></form>` : ''}
</div>
<form class="stack" method="post" action="${href}/grants" aria-labelledby="grant-heading">
<h3 id="grant-heading">Grant a feature</h3>
${csrfInput(viewer)}
<label for="grant-feature">Feature</label><input id="grant-feature" name="feature" required maxlength="200" placeholder="pro">
<label for="grant-value">Value (empty for on, or a number)</label><input id="grant-value" name="value" inputmode="numeric" maxlength="30">
<label for="grant-expires">Expires (UTC, optional)</label><input id="grant-expires" name="expires_at" type="datetime-local">
<label for="grant-reason">Reason</label><input id="grant-reason" name="reason" required maxlength="1000">
<button type="submit">Grant</button>
</form>
${view.balances.length === 0 ? '' : html`<form class="stack" method="post" action="${href}/balances/adjust" aria-labelledby="adjust-heading">
<h3 id="adjust-heading">Adjust a balance</h3>
${csrfInput(viewer)}
<label for="adjust-feature">Metered feature</label><select id="adjust-feature" name="feature">${view.balances.map((balance) => html`<option>${balance.feature}</option>`)}</select>
<label for="adjust-amount">Amount (positive credits, negative debits)</label><input id="adjust-amount" name="amount" required inputmode="numeric" pattern="-?[0-9]{1,16}" maxlength="17" placeholder="500">
<label for="adjust-reason">Reason</label><input id="adjust-reason" name="reason" required maxlength="1000">
<label for="adjust-key">Idempotency key (optional: the same key never adjusts twice)</label><input id="adjust-key" name="idempotency_key" maxlength="200">
<button type="submit">Adjust</button>
</form>`}`;
}

const units = (value: number | null) => (value === null ? 'unlimited' : value.toLocaleString('en-US'));

function balancesTable(view: CustomerView): SafeHtml {
  if (view.balances.length === 0) return html``;
  return html`<h2 id="balances">Balances</h2>
<table>
<caption>Metered features this period (live, as <code>GET /v1/customers/:ref/balances</code> serves them)</caption>
<thead><tr><th scope="col">Feature</th><th scope="col">Granted</th><th scope="col">Used</th><th scope="col">Reserved</th><th scope="col">Remaining</th><th scope="col">Period from</th><th scope="col">Next reset</th></tr></thead>
<tbody>
${view.balances.map((balance) => html`<tr id="balance-${balance.feature}"><th scope="row">${balance.feature}</th><td>${units(balance.granted)}</td><td>${units(balance.used)}</td>
<td>${units(balance.reserved)}</td><td>${balance.remaining !== null && balance.remaining < 0 ? badge(units(balance.remaining), 'bad') : units(balance.remaining)}</td><td>${when(balance.period_start)}</td><td>${when(balance.next_reset_at)}</td></tr>`)}
</tbody>
</table>`;
}

function grantsTable(viewer: ConsoleViewer, view: CustomerView): SafeHtml {
  return html`<table>
<caption>Manual grants, newest first</caption>
<thead><tr><th scope="col">Feature</th><th scope="col">Value</th><th scope="col">Reason</th><th scope="col">Expires</th><th scope="col">State</th>${viewer.key.read_only ? '' : html`<th scope="col">Revoke</th>`}</tr></thead>
<tbody>
${view.story.grants.length === 0 ? html`<tr><td colspan="6">No grants.</td></tr>` : ''}
${view.story.grants.map((grant) => {
    const live = !grant.revoked_at && !(grant.expires_at && grant.expires_at.getTime() <= view.now.getTime());
    return html`<tr id="grant-${grant.id}">
<th scope="row">${grant.feature}</th><td>${String(grant.value)}</td><td>${grant.reason}<br><span class="muted">${grant.created_by}, ${when(grant.created_at)}</span></td>
<td>${when(grant.expires_at)}</td>
<td>${grant.revoked_at ? badge('revoked', 'bad') : live ? badge('active', 'ok') : badge('expired')}</td>
${viewer.key.read_only ? '' : html`<td>${live ? html`<form class="inline" method="post" action="${consoleBasePath}/grants/${grant.id}/revoke">${csrfInput(viewer)}
<label class="visually-hidden" for="revoke-${grant.id}">Reason to revoke ${grant.feature}</label><input id="revoke-${grant.id}" name="reason" required maxlength="1000" placeholder="reason">
<button type="submit" class="secondary">Revoke</button></form>` : ''}</td>`}
</tr>`;
  })}
</tbody>
</table>`;
}

/** `GET /admin/console/customers/:ref`: who the customer is, what they have and why, and what happened to them. */
export function customerPage(viewer: ConsoleViewer, view: CustomerView, notice?: string): string {
  const { customer, subscriptions, entitlements } = view.story;
  const href = customerHref(customer);
  const title = customer.name ?? customer.email ?? customer.stripe_customer_id ?? customer.user_id ?? customer.id;
  const timeline = customerTimeline(view.story, view.now, view.kind);
  return consolePage(viewer, 'customers', title, html`
<p class="crumbs"><a href="${consoleBasePath}">Customers</a> /</p>
<h1>${title}</h1>
<p>${standingBadges(customer.deleted, subscriptions, view.graceHours, view.now).map((name) => badge(name, badgeTone[name]))}</p>
<dl class="facts">
<dt>Stripe customer</dt><dd>${customer.stripe_customer_id ?? '—'}</dd>
<dt>User id</dt><dd>${customer.user_id ?? '—'}</dd>
<dt>Email</dt><dd>${customer.email ?? '—'}</dd>
<dt>Known since</dt><dd>${when(customer.created_at)}</dd>
<dt>Last synced</dt><dd>${when(customer.synced_at)}</dd>
<dt>Metadata</dt><dd><code>${json(customer.metadata)}</code></dd>
</dl>
${actions(viewer, view, href)}
<h2>Entitlements</h2>
<table>
<caption>Current entitlements${entitlements ? html` (version ${entitlements.version}, computed ${when(entitlements.computed_at)})` : ''}</caption>
<thead><tr><th scope="col">Feature</th><th scope="col">Value</th><th scope="col">Sources</th><th scope="col">Expires</th></tr></thead>
<tbody>
${(entitlements?.features ?? []).length === 0 ? html`<tr><td colspan="4">No entitlements.</td></tr>` : ''}
${(entitlements?.features ?? []).map((entry) => html`<tr><th scope="row">${entry.feature}</th><td>${String(entry.value)}</td>
<td>${entry.sources.map((source) => html`<span class="source">${source.kind === 'grant' ? html`<a href="#grant-${source.id}">grant ${source.id.slice(0, 8)}</a>` : `${source.kind} ${source.id}`}</span> `)}</td><td>${when(entry.expires_at)}</td></tr>`)}
</tbody>
</table>
${balancesTable(view)}
<h2>Subscriptions</h2>
<table>
<caption>Subscriptions in the mirror</caption>
<thead><tr><th scope="col">Subscription</th><th scope="col">Status</th><th scope="col">Plans</th><th scope="col">Period ends</th><th scope="col">Synced</th></tr></thead>
<tbody>
${subscriptions.length === 0 ? html`<tr><td colspan="5">No subscriptions.</td></tr>` : ''}
${subscriptions.map((sub) => html`<tr><th scope="row">${sub.id}</th><td>${sub.status}${sub.cancel_at_period_end ? ' (cancels at period end)' : ''}${sub.latest_invoice_refunded ? ' · refunded' : ''}</td>
<td>${sub.items.map((item) => `${item.lookup_key ?? item.product_id} × ${item.quantity}`).join(', ')}</td><td>${when(sub.items[0]?.current_period_end)}</td><td>${when(sub.synced_at)}</td></tr>`)}
</tbody>
</table>
<h2>Grants</h2>
${grantsTable(viewer, view)}
<h2 id="timeline">Timeline</h2>
<nav aria-label="Timeline filter" class="filters"><ul>
<li><a href="${href}#timeline"${view.kind ? '' : html` aria-current="true"`}>all</a></li>
${timelineKinds.map((kind) => html`<li><a href="${href}?kind=${kind}#timeline"${view.kind === kind ? html` aria-current="true"` : ''}>${kind}</a></li>`)}
</ul></nav>
<table class="timeline">
<caption>${view.kind ? `${view.kind} entries` : 'Everything'}, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
<tbody>
${timeline.length === 0 ? html`<tr><td colspan="4">Nothing yet.</td></tr>` : ''}
${timeline.map((entry) => html`<tr>
<td>${when(entry.at)}</td><td>${badge(entry.kind, entry.tone ?? 'muted')}</td><td>${entry.title}</td>
<td>${entry.detail}${entry.replayable && !viewer.key.read_only ? html`<form class="inline" method="post" action="${consoleBasePath}/events/replay">${csrfInput(viewer)}<input type="hidden" name="return" value="${href}"><button type="submit" class="secondary" name="one" value="${entry.replayable}">Replay</button></form>` : ''}</td>
</tr>`)}
</tbody>
</table>
`, notice);
}
