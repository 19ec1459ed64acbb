import { html } from '../../../shared/pages/html.js';
import { driftKinds, type ReconciliationRun } from '../../../shared/reconcile/runs.js';
import type { ConsoleViewer } from '../console-auth.js';
import { badge, consoleBasePath, consolePage, csrfInput, when } from '../layout.js';

const tone = (status: ReconciliationRun['status']) => (status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : 'warn');

/** `GET /admin/console/reconciliations`: recent runs with their counts and drift by kind; start one. */
export function reconciliationsPage(viewer: ConsoleViewer, runs: ReconciliationRun[], notice?: string): string {
  return consolePage(viewer, 'reconciliations', 'Reconciliation', html`
<h1>Reconciliation</h1>
<p class="lead">A run pages through Stripe, compares every subscription with the mirror and repairs drift. Runs are also scheduled; the worker runs them.</p>
${viewer.key.read_only ? '' : html`<form class="stack" method="post" action="${consoleBasePath}/reconciliations" aria-labelledby="start-heading">
<h2 id="start-heading">Start a run</h2>
${csrfInput(viewer)}
<label for="run-customer">One customer (Stripe id or user id; empty for all)</label><input id="run-customer" name="customer" maxlength="200">
<label for="run-since">Changed since (date, optional)</label><input id="run-since" name="since" type="date">
<button type="submit">Start reconciliation</button>
</form>`}
<table>
<caption>The 50 most recent runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Checked</th><th scope="col">Drifted</th><th scope="col">Repaired</th><th scope="col">Errors</th>
${driftKinds.map((kind) => html`<th scope="col">${kind.replaceAll('_', ' ')}</th>`)}<th scope="col">Duration</th></tr></thead>
<tbody>
${runs.length === 0 ? html`<tr><td colspan="11">No runs yet.</td></tr>` : ''}
${runs.map((run) => html`<tr>
<th scope="row">${when(run.created_at)}<br><span class="muted">${run.trigger}${typeof run.params.customer === 'string' ? html` · <a href="${consoleBasePath}/customers/${run.params.customer}">${run.params.customer}</a>` : ''}</span></th>
<td>${badge(run.status, tone(run.status))}${run.error ? html`<br><code>${run.error}</code>` : ''}</td>
<td>${run.checked}</td><td>${run.drifted}</td><td>${run.repaired}</td><td>${run.errors}</td>
${driftKinds.map((kind) => html`<td>${run.drift[kind] ?? 0}</td>`)}
<td>${run.duration_ms === null ? '—' : `${run.duration_ms} ms`}</td>
</tr>`)}
</tbody>
</table>
`, notice);
}
