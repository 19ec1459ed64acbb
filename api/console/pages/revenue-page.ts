import { formatMinor, type Money, type RevenueReport } from '../../../shared/domain/revenue.js';
import { html } from '../../../shared/pages/html.js';
import { lineChart } from '../../../shared/pages/line-chart.js';
import type { ConsoleViewer } from '../console-auth.js';
import { consolePage, when } from '../layout.js';

const amounts = (money: Money) => {
  const entries = Object.entries(money).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '0' : entries.map(([currency, amount]) => formatMinor(amount, currency)).join(' · ');
};

/** The currency the chart follows: the one with the largest MRR now (amounts of different currencies never add up). */
function chartCurrency(report: RevenueReport): string | undefined {
  return Object.entries(report.mrr).sort(([, a], [, b]) => b - a)[0]?.[0];
}

/** `GET /admin/console/revenue`: MRR, ARR, plans, movement per month, trials and past-due exposure (definitions in the README). */
export function revenuePage(viewer: ConsoleViewer, report: RevenueReport, computedAt: Date): string {
  const currency = chartCurrency(report);
  const { ended, converted } = report.trials;
  return consolePage(viewer, 'revenue', 'Revenue', html`
<h1>Revenue</h1>
<p class="lead">From the subscription mirror, in each currency's minor units (shown in major units). Trials, metered prices and unpaid subscriptions are not revenue; yearly plans count a twelfth a month. See the README for every definition. Computed ${when(computedAt)} (kept for a minute).</p>
<div class="figures">
<div><span>MRR</span><strong>${amounts(report.mrr)}</strong></div>
<div><span>ARR</span><strong>${amounts(report.arr)}</strong></div>
<div><span>Past-due exposure (${report.pastDue.count} subscriptions)</span><strong>${amounts(report.pastDue.mrr)}</strong></div>
<div><span>Trial conversion</span><strong>${ended === 0 ? '—' : `${converted} of ${ended} (${Math.round((converted * 100) / ended)} %)`}</strong></div>
</div>
<h2>MRR over 12 months${currency ? ` (${currency.toUpperCase()})` : ''}</h2>
${currency ? lineChart(`MRR in ${currency.toUpperCase()}, month by month`, report.months.map((month) => ({ label: month.month, value: month.mrr[currency] ?? 0, text: formatMinor(month.mrr[currency] ?? 0, currency) }))) : html`<p>No revenue yet.</p>`}
<table>
<caption>Month by month (the current month as of now)</caption>
<thead><tr><th scope="col">Month</th><th scope="col">MRR at month end</th><th scope="col">New</th><th scope="col">Reactivated</th><th scope="col">Churned</th></tr></thead>
<tbody>
${[...report.months].reverse().map((month) => html`<tr><th scope="row">${month.month}</th><td>${amounts(month.mrr)}</td><td>${month.new}</td><td>${month.reactivated}</td><td>${month.churned}</td></tr>`)}
</tbody>
</table>
<h2>Subscriptions by plan</h2>
<table>
<caption>Live subscriptions (active, trialing, past due) by plan</caption>
<thead><tr><th scope="col">Plan</th><th scope="col">Subscriptions</th></tr></thead>
<tbody>
${report.activeByPlan.length === 0 ? html`<tr><td colspan="2">None.</td></tr>` : ''}
${report.activeByPlan.map((row) => html`<tr><th scope="row">${row.plan}</th><td>${row.count}</td></tr>`)}
</tbody>
</table>
`);
}
