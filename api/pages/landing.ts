import { html, layout } from '../../shared/pages/html.js';

export interface LandingState {
  ready: boolean;
  checks: Record<string, string>;
  /** Where the page was reached, for the copy-and-paste examples (escaped like everything else). */
  origin: string;
}

const links = [
  ['/admin/console', 'Admin console', 'customers and their timelines, dead letters, reconciliation, revenue (admin key)'],
  ['/admin/queues', 'Bull Board', 'queues, failed and dead jobs, retries (admin key as password)'],
  ['/docs', 'API reference', 'every route, its parameters and answers'],
  ['/openapi.json', 'OpenAPI document', 'the same contract, machine-readable'],
  ['/metrics', 'Metrics', 'Prometheus text format'],
  ['/healthz', 'Liveness', 'the process answers'],
  ['/readyz', 'Readiness', 'Postgres and Redis answer'],
] as const;

/** `GET /`: what this service is, whether it is ready, and where everything is. */
export function landingPage(state: LandingState): string {
  const dependencies = Object.entries(state.checks).map(([name, value]) => `${name} ${value}`);
  return layout('Billing & entitlements service', html`
<h1>Billing &amp; entitlements service</h1>
<p class="lead">Stripe webhooks in, entitlements out: which features each customer has paid for, served in milliseconds.</p>
<p><span class="status ${state.ready ? 'ok' : 'bad'}">${state.ready ? 'ready' : 'not ready'}</span> ${dependencies.join(' · ')}</p>
<h2>Open</h2>
<div class="cards">
${links.map(([href, title, text]) => html`<a class="card" href="${href}"><strong>${title}</strong><span>${text}</span></a>`)}
</div>
<h2>First requests</h2>
<p>An admin key: <code>npm run -s billing -- keys create --name me --scope admin</code> (after <code>npm run local</code>, one is in <code>.local/demo-admin-key</code>).</p>
<pre>KEY=$(cat .local/demo-admin-key)
curl -H "Authorization: Bearer $KEY" ${state.origin}/admin/customers
curl -H "Authorization: Bearer $KEY" ${state.origin}/v1/customers/USER_ID/entitlements</pre>
<footer>Bull Board asks for a login: any user name, and an admin key as the password.</footer>
`);
}
