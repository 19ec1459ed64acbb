import { html, type SafeHtml } from './html.js';

export interface ChartPoint { label: string; value: number; text: string }

const width = 640;
const height = 220;
const pad = { left: 16, right: 16, top: 24, bottom: 28 };

/**
 * A line chart as inline SVG, drawn on the server: no script and no style attribute (the CSP
 * allows neither; colours come from the stylesheet's classes). `title` names it for screen
 * readers; the page shows the same numbers in a table beside it.
 */
export function lineChart(title: string, points: readonly ChartPoint[]): SafeHtml {
  const max = Math.max(1, ...points.map((point) => point.value));
  const step = points.length > 1 ? (width - pad.left - pad.right) / (points.length - 1) : 0;
  const x = (index: number) => Math.round(pad.left + index * step);
  const y = (value: number) => Math.round(height - pad.bottom - (value / max) * (height - pad.top - pad.bottom));
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(index)},${y(point.value)}`).join(' ');
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">${title}</title>
<line class="axis" x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}"/>
${points.length > 0 ? html`<path class="line" d="${path}"/>` : ''}
${points.map((point, index) => html`<circle class="dot" cx="${x(index)}" cy="${y(point.value)}" r="3"><title>${point.label}: ${point.text}</title></circle>
<text x="${x(index)}" y="${height - 8}" text-anchor="middle">${point.label.slice(2)}</text>`)}
<text x="${pad.left}" y="14">${points.find((point) => point.value === max)?.text ?? ''} max</text>
</svg>`;
}
