import { html } from '../../../shared/pages/html.js';
import type { ConsoleViewer } from '../console-auth.js';
import { badgeTone, standingBadges } from '../customer-status.js';
import type { CustomerListRow } from '../data/customer-list.js';
import { badge, consoleBasePath, consolePage, customerHref, when } from '../layout.js';

export interface CustomersView { q: string | undefined; rows: CustomerListRow[]; nextCursor: string | null; graceHours: number; now: Date }

/** `GET /admin/console`: search and page through customers, with their standing, plans and last event. */
export function customersPage(viewer: ConsoleViewer, view: CustomersView, notice?: string): string {
  const next = view.nextCursor ? `${consoleBasePath}?${new URLSearchParams({ ...(view.q && { q: view.q }), cursor: view.nextCursor }).toString()}` : undefined;
  return consolePage(viewer, 'customers', 'Customers', html`
<h1>Customers</h1>
<form class="search" method="get" action="${consoleBasePath}" role="search">
<label for="q">Stripe id, user id or email</label>
<input id="q" name="q" type="search" value="${view.q ?? ''}" placeholder="cus_…, user id, name@example.com" maxlength="200">
<button type="submit">Search</button>
</form>
<table>
<caption>${view.q ? html`Customers matching “${view.q}”` : 'All customers'}, newest first</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Plans</th><th scope="col">Last event</th></tr></thead>
<tbody>
${view.rows.length === 0 ? html`<tr><td colspan="5">No customer matches.</td></tr>` : ''}
${view.rows.map((row) => html`<tr>
<th scope="row"><a href="${customerHref(row)}">${row.stripe_customer_id ?? row.user_id}</a>${row.name ? html`<br><span class="muted">${row.name}</span>` : ''}${row.stripe_customer_id && row.user_id ? html`<br><span class="muted">user ${row.user_id}</span>` : ''}</th>
<td>${row.email ?? ''}</td>
<td>${standingBadges(row.deleted, row.subscriptions, view.graceHours, view.now).map((name) => badge(name, badgeTone[name]))}</td>
<td>${[...new Set(row.subscriptions.filter((sub) => sub.status !== 'canceled').flatMap((sub) => sub.plans))].join(', ')}</td>
<td>${when(row.last_event_at)}</td>
</tr>`)}
</tbody>
</table>
${next ? html`<p><a rel="next" href="${next}">Next page</a></p>` : ''}
`, notice);
}
