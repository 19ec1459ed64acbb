import { html } from '../../../shared/pages/html.js';
import type { ConsoleViewer } from '../console-auth.js';
import { badge, consoleBasePath, consolePage, csrfInput, when } from '../layout.js';

export interface EventListRow { id: string; type: string; status: string; attempts: number; last_error: string | null; customer_id: string | null; received_at: Date }

export const eventStatuses = ['failed', 'dead', 'received', 'queued', 'processed', 'ignored'] as const;

export interface EventsView { statuses: readonly string[]; rows: EventListRow[]; nextCursor: string | null; counts: Record<string, number> }

/** Counts are capped at 1000 by the query. */
const count = (value: number) => (value >= 1000 ? '1000+' : String(value));

/** `GET /admin/console/events`: failed and dead events (or any status) with their error; replay one or a selection. */
export function eventsPage(viewer: ConsoleViewer, view: EventsView, notice?: string): string {
  const canAct = !viewer.key.read_only;
  const replayable = (status: string) => status === 'failed' || status === 'dead';
  const statusQuery = view.statuses.map((status) => `status=${status}`).join('&');
  const next = view.nextCursor ? `${consoleBasePath}/events?${statusQuery}&cursor=${encodeURIComponent(view.nextCursor)}` : undefined;
  const table = html`<table>
<caption>Events with status ${view.statuses.join(' or ')}, newest first</caption>
<thead><tr>${canAct ? html`<th scope="col">Select</th>` : ''}<th scope="col">Event</th><th scope="col">Status</th><th scope="col">Customer</th><th scope="col">Received</th><th scope="col">Error</th>${canAct ? html`<th scope="col">Replay</th>` : ''}</tr></thead>
<tbody>
${view.rows.length === 0 ? html`<tr><td colspan="7">No events.</td></tr>` : ''}
${view.rows.map((row) => html`<tr>
${canAct ? html`<td>${replayable(row.status) ? html`<input type="checkbox" name="event" value="${row.id}" id="pick-${row.id}" aria-label="Select ${row.id}">` : ''}</td>` : ''}
<th scope="row">${row.type}<br><span class="muted">${row.id}</span></th>
<td>${badge(row.status, replayable(row.status) ? 'bad' : row.status === 'processed' ? 'ok' : 'muted')}<br><span class="muted">${row.attempts} attempts</span></td>
<td>${row.customer_id ? html`<a href="${consoleBasePath}/customers/${row.customer_id}">${row.customer_id}</a>` : '—'}</td>
<td>${when(row.received_at)}</td>
<td>${row.last_error ? html`<code>${row.last_error}</code>` : ''}</td>
${canAct ? html`<td>${replayable(row.status) ? html`<button type="submit" class="secondary" name="one" value="${row.id}">Replay</button>` : ''}</td>` : ''}
</tr>`)}
</tbody>
</table>`;
  return consolePage(viewer, 'events', 'Dead letters & events', html`
<h1>Dead letters &amp; events</h1>
<p class="lead">The inbox of Stripe events. Dead events ran out of retries; failed ones are retrying. A replay puts the event back through the pipeline (audited as <code>event.replayed</code>). Jobs themselves are in <a href="/admin/queues">Bull Board</a>.</p>
<nav aria-label="Event status" class="filters"><ul>
<li><a href="${consoleBasePath}/events">failed or dead (${count((view.counts.failed ?? 0) + (view.counts.dead ?? 0))})</a></li>
${eventStatuses.map((status) => html`<li><a href="${consoleBasePath}/events?status=${status}"${view.statuses.length === 1 && view.statuses[0] === status ? html` aria-current="true"` : ''}>${status}${status in view.counts ? ` (${count(view.counts[status] ?? 0)})` : ''}</a></li>`)}
</ul></nav>
${canAct ? html`<form method="post" action="${consoleBasePath}/events/replay">${csrfInput(viewer)}
${table}
<div class="actions"><button type="submit">Replay selected</button></div>
</form>` : table}
${next ? html`<p><a rel="next" href="${next}">Next page</a></p>` : ''}
`, notice);
}
