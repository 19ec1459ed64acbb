import { html, layout, type SafeHtml } from '../../shared/pages/html.js';
import type { ConsoleViewer } from './console-auth.js';
import { csrfField } from './csrf.js';

export const consoleBasePath = '/admin/console';

const sections = [
  ['customers', `${consoleBasePath}`, 'Customers'],
  ['events', `${consoleBasePath}/events`, 'Dead letters & events'],
  ['reconciliations', `${consoleBasePath}/reconciliations`, 'Reconciliation'],
  ['revenue', `${consoleBasePath}/revenue`, 'Revenue'],
] as const;

export type Section = (typeof sections)[number][0];

/** The hidden field every console form carries. */
export const csrfInput = (viewer: ConsoleViewer) => html`<input type="hidden" name="${csrfField}" value="${viewer.csrf}">`;

/** A console page: skip link, navigation (with Bull Board), who is looking, and the page's main content. */
export function consolePage(viewer: ConsoleViewer, section: Section | undefined, title: string, body: SafeHtml, notice?: string): string {
  return layout(`${title} · Billing console`, html`
<a class="skip" href="#main">Skip to content</a>
<header class="console">
<nav aria-label="Console">
<ul>
${sections.map(([name, href, label]) => html`<li><a href="${href}"${name === section ? html` aria-current="page"` : ''}>${label}</a></li>`)}
<li><a href="/admin/queues">Queues (Bull Board)</a></li>
</ul>
</nav>
<div class="who">
<span class="status${viewer.key.read_only ? '' : ' ok'}">${viewer.key.name}${viewer.key.read_only ? ' · read-only' : ''}</span>
<form method="post" action="${consoleBasePath}/logout">${csrfInput(viewer)}<button class="secondary" type="submit">Log out</button></form>
</div>
</header>
<main id="main">
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${body}
</main>
`);
}

/** A page without a viewer: the login form and error pages of requests that did not authenticate. */
export function barePage(title: string, body: SafeHtml): string {
  return layout(`${title} · Billing console`, html`<main id="main">${body}</main>`);
}

/** `2026-12-02 01:04 UTC` in a `<time>` element, or a dash. */
export function when(value: Date | string | null | undefined): SafeHtml {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  const date = value instanceof Date ? value : new Date(value);
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** Where a customer's page is: by Stripe id when it has one, else by user id. */
export function customerHref(customer: { stripe_customer_id: string | null; user_id: string | null }): string {
  return `${consoleBasePath}/customers/${encodeURIComponent(customer.stripe_customer_id ?? customer.user_id ?? '')}`;
}

/** A status badge; `tone` picks its colour. */
export const badge = (text: string, tone: 'ok' | 'bad' | 'warn' | 'muted' = 'muted') => html`<span class="badge ${tone}">${text}</span>`;
