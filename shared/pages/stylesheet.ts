/** The one stylesheet of the service's pages and the simulator's (served as a file: the CSP allows no inline style). */
export const pageStylesheet = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --accent: #4f46e5; --bg: #fff; --panel: #f6f7f9; --ok: #15803d; --bad: #b91c1c; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ee; --muted: #9aa3b5; --line: #2c3342; --accent: #8b85ff; --bg: #12151c; --panel: #1a1f29; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 64rem; padding: 2rem 1.25rem 4rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
p.lead { color: var(--muted); margin-top: 0; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .875rem; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .75rem; }
.card { display: block; border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; background: var(--panel); color: var(--fg); }
.card:hover { border-color: var(--accent); text-decoration: none; }
.card strong { display: block; color: var(--accent); } .card span { color: var(--muted); font-size: .9rem; }
.status { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .85rem; border: 1px solid currentColor; }
.status.ok { color: var(--ok); } .status.bad { color: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .925rem; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; }
.method { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: ui-monospace, monospace; }
.op { border: 1px solid var(--line); border-radius: 8px; padding: .25rem 1rem .75rem; margin: .75rem 0; }
nav.toc ul { columns: 2; padding-left: 1.1rem; }
form.stack { display: grid; gap: .75rem; max-width: 26rem; }
label { display: grid; gap: .25rem; font-weight: 600; }
input, select { font: inherit; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
.notice { border-left: 4px solid var(--accent); background: var(--panel); padding: .6rem .9rem; margin: 1rem 0; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: var(--muted); font-size: .875rem; }
header.console { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding-bottom: .75rem; margin-bottom: 1.25rem; }
header.console ul, nav.filters ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
[aria-current] { font-weight: 700; text-decoration: underline; }
.who { display: flex; gap: .5rem; align-items: center; }
.badge { display: inline-block; padding: .05rem .5rem; margin: 0 .25rem .15rem 0; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; color: var(--muted); white-space: nowrap; }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); } .badge.warn { color: #b45309; }
.notice.error { border-left-color: var(--bad); }
form.inline { display: inline-flex; gap: .35rem; align-items: center; margin: .15rem 0; }
form.inline input { padding: .2rem .4rem; width: 9rem; } form.inline button { padding: .2rem .6rem; }
form.search { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin: 1rem 0; } form.search label { flex-basis: 100%; }
form.search input { flex: 1; min-width: 14rem; }
a.button { display: inline-block; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .75rem; }
.figures div { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; background: var(--panel); } .figures strong { display: block; font-size: 1.3rem; }
svg.chart { width: 100%; height: auto; max-width: 48rem; } svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart .axis { stroke: var(--line); } svg.chart .line { fill: none; stroke: var(--accent); stroke-width: 2; } svg.chart .dot { fill: var(--accent); }
`;
