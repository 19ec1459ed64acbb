#!/usr/bin/env bash
# Validates the monitoring files in ops/:
#   1. promtool check rules ops/prometheus/alerts.yml, promtool check config ops/prometheus/prometheus.yml
#      (and promtool test rules for ops/prometheus/*.test.yml, if any);
#   2. every alert has `for`, `severity` and the summary/description/runbook annotations;
#   3. ops/grafana/*.json parse, panel ids are unique, every panel has a gridPos and every target a non-empty expr;
#   4. every metric name used in any expr (alerts and dashboards) is one the service exports
#      (or a standard one: up, process_*, nodejs_*), so renaming a metric breaks this check.
# promtool comes from Debian's `prometheus` package; when it is missing and we are root with
# apt-get, it is installed. Exit status is non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

rules=ops/prometheus/alerts.yml
config=ops/prometheus/prometheus.yml
failed=0
fail() { echo "ops-check: FAIL: $*" >&2; failed=1; }

for f in "$rules" "$config"; do
  [[ -f "$f" ]] || { echo "ops-check: FAIL: $f is missing" >&2; exit 1; }
done

ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ops-check: FAIL: promtool not found; install Prometheus' promtool (Debian/Ubuntu: apt-get install prometheus)" >&2
    return 1
  fi
  echo "ops-check: promtool not found, installing Debian's prometheus package" >&2
  apt-get update -qq >&2
  # Read the whole answer before matching: `apt-cache … | grep -q` under pipefail fails with SIGPIPE
  # (141) whenever grep stops reading before apt-cache has written everything.
  local policy
  policy="$(apt-cache policy prometheus 2>/dev/null || true)"
  if [[ ! "$policy" =~ Candidate:\ [0-9] ]]; then
    echo "ops-check: FAIL: no installable 'prometheus' package in apt sources; install promtool by hand" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >&2
  command -v promtool >/dev/null 2>&1 || { echo "ops-check: FAIL: prometheus installed but promtool still missing" >&2; return 1; }
}

# 1. promtool
if ensure_promtool; then
  promtool_version="$(promtool --version 2>&1 || true)"
  echo "ops-check: ${promtool_version%%$'\n'*}"
  promtool check rules "$rules" || fail "promtool check rules $rules"
  promtool check config "$config" || fail "promtool check config $config"
  shopt -s nullglob
  for t in ops/prometheus/*.test.yml; do
    promtool test rules "$t" || fail "promtool test rules $t"
  done
  shopt -u nullglob
else
  failed=1
fi

# 2-4. structure and metric names (plain Node, no dependencies beyond an optional js-yaml).
node --input-type=module - "$rules" ops/grafana shared/infra/metrics.ts <<'NODE' || failed=1
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [rulesPath, dashboardDir, metricsSource] = process.argv.slice(2);
const errors = [];

// Metric names come from the code: every `new client.Counter|Gauge|Histogram|Summary({ name: '...' })`
// under shared/, api/ and workers/ (histograms and summaries also give _bucket/_count/_sum). So renaming
// a metric in code without renaming it here in ops/ fails this check. `pending` are gauges the ops
// files rely on that may not be declared yet; each one missing from the code is reported as a warning.
const pending = ['bullmq_queue_jobs', 'dead_letter_queue_jobs', 'readiness_status'];
const standard = /^(up|process_.*|nodejs_.*|scrape_.*)$/;
const known = new Set();
function sourceFiles(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return []; }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
const declaration = /new\s+(?:client\.|promClient\.|prom\.)?(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name:\s*['"]([a-zA-Z_:][a-zA-Z0-9_:]*)['"]/g;
for (const file of ['shared', 'api', 'workers'].flatMap(sourceFiles)) {
  for (const [, kind, name] of readFileSync(file, 'utf8').matchAll(declaration)) {
    known.add(name);
    if (kind === 'Histogram' || kind === 'Summary') for (const suffix of ['_bucket', '_count', '_sum']) known.add(name + suffix);
  }
}
if (!known.has('http_request_duration_seconds')) errors.push(`found no metric declarations in ${metricsSource} (did its shape change?)`);
for (const name of pending) {
  if (!known.has(name)) console.error(`ops-check: warning: ${name} is used by ops/ but not declared in the code yet`);
  known.add(name);
}

const functions = new Set([
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'holt_winters', 'hour', 'idelta',
  'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear', 'rate',
  'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
]);
const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool',
  'offset', 'inf', 'nan', 'atan2']);

/** Metric names referenced by a PromQL expression (string literals, label matchers, ranges and label lists removed). */
function metricNames(expr) {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\$\{[^}]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*/g, '1m') // Grafana variables ($__rate_interval, ${x})
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  s = s.replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names = [];
  for (const match of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = s.slice(match.index + word.length).trimStart();
    if (after.startsWith('(') && (functions.has(word) || keywords.has(word))) continue;
    if (keywords.has(word)) continue;
    names.push(word);
  }
  return names;
}

function checkExpr(where, expr) {
  if (typeof expr !== 'string' || expr.trim() === '') {
    errors.push(`${where}: empty expr`);
    return;
  }
  for (const name of metricNames(expr)) {
    if (!known.has(name) && !standard.test(name)) errors.push(`${where}: unknown metric "${name}" in: ${expr.trim()}`);
  }
}

// --- alert rules
function loadYaml(path) {
  const text = readFileSync(path, 'utf8');
  try {
    const yaml = createRequire(join(process.cwd(), 'package.json'))('js-yaml');
    return yaml.load(text);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    return null; // no YAML parser: fall back to reading `alert:`/`expr:` lines below
  }
}

function rulesWithoutParser(text) {
  // Minimal reader for the shape alerts.yml uses: `- alert: X` / `- record: X`, then `expr:` inline
  // or as a block scalar (| or >), `for:`, and `key: value` lines under `annotations:`/`labels:`.
  const lines = text.split('\n');
  const rules = [];
  let current;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const start = /^(\s*)- (alert|record):\s*(\S+)/.exec(line);
    if (start) {
      current = { [start[2]]: start[3], annotations: {}, labels: {} };
      rules.push(current);
      continue;
    }
    if (!current) continue;
    const kv = /^(\s*)([a-zA-Z_]+):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, indent, key, rawValue] = kv;
    let value = rawValue.trim();
    if (/^[|>][-+]?$/.test(value)) {
      const block = [];
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > indent.length)) block.push(lines[++i].trim());
      value = block.join(value.startsWith('>') ? ' ' : '\n').trim();
    } else {
      value = value.replace(/^(["'])(.*)\1$/, '$2');
    }
    if (key === 'expr' || key === 'for') current[key] = value;
    else if (['summary', 'description', 'runbook', 'runbook_url'].includes(key)) current.annotations[key] = value;
    else if (key === 'severity') current.labels[key] = value;
  }
  return rules;
}

let rules;
try {
  const document = loadYaml(rulesPath);
  rules = document === null
    ? rulesWithoutParser(readFileSync(rulesPath, 'utf8'))
    : (document?.groups ?? []).flatMap((group) => group.rules ?? []);
} catch (error) {
  errors.push(`${rulesPath}: cannot parse: ${error.message}`);
  rules = [];
}
if (rules.length === 0) errors.push(`${rulesPath}: no rules found`);

let readme = '';
try { readme = readFileSync('README.md', 'utf8'); } catch { /* no README: skip the anchor check */ }
const anchors = new Set([...readme.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
const readmeHasAlerts = anchors.has('alerts');

const required = ['DeadLetterQueueGrowing', 'EventLagHigh', 'ReconciliationStale', 'ReadinessFailing',
  'EntitlementReadLatencyHigh', 'WebhookRejectionsSpike', 'StripeErrors'];
const names = new Set(rules.map((rule) => rule.alert ?? rule.record));
for (const name of required) if (!names.has(name)) errors.push(`${rulesPath}: alert ${name} is missing`);

for (const rule of rules) {
  const where = `${rulesPath}: ${rule.alert ? 'alert' : 'record'} ${rule.alert ?? rule.record}`;
  checkExpr(where, rule.expr);
  if (!rule.alert) continue;
  if (!rule.for) errors.push(`${where}: no "for:" duration`);
  if (!rule.labels?.severity) errors.push(`${where}: no severity label`);
  for (const key of ['summary', 'description', 'runbook']) {
    if (!rule.annotations?.[key]) errors.push(`${where}: no "${key}" annotation`);
  }
  const runbook = rule.annotations?.runbook ?? '';
  const anchor = /^README\.md#([a-z0-9_-]+)$/.exec(runbook);
  if (!anchor) errors.push(`${where}: runbook "${runbook}" is not a README.md#anchor`);
  else if (readmeHasAlerts && !anchors.has(anchor[1])) errors.push(`${where}: README.md has no heading for #${anchor[1]}`);
}

// --- dashboards
const dashboards = readdirSync(dashboardDir).filter((file) => file.endsWith('.json'));
if (dashboards.length === 0) errors.push(`${dashboardDir}: no dashboard JSON found`);
for (const file of dashboards) {
  const path = join(dashboardDir, file);
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    errors.push(`${path}: invalid JSON: ${error.message}`);
    continue;
  }
  for (const key of ['uid', 'title', 'schemaVersion']) if (!dashboard[key]) errors.push(`${path}: no ${key}`);
  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  if (panels.length === 0) errors.push(`${path}: no panels`);
  const ids = new Map();
  for (const panel of panels) {
    const where = `${path}: panel ${JSON.stringify(panel.title ?? '?')}`;
    if (!Number.isInteger(panel.id)) errors.push(`${where}: no numeric id`);
    else if (ids.has(panel.id)) errors.push(`${where}: id ${panel.id} also used by ${JSON.stringify(ids.get(panel.id))}`);
    else ids.set(panel.id, panel.title);
    const grid = panel.gridPos ?? {};
    if (!['x', 'y', 'w', 'h'].every((k) => Number.isInteger(grid[k]))) errors.push(`${where}: gridPos needs integer x, y, w, h`);
    if (panel.type === 'row') continue;
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) errors.push(`${where}: no targets`);
    for (const [index, target] of (panel.targets ?? []).entries()) checkExpr(`${where} target ${target.refId ?? index}`, target.expr);
  }
}

if (errors.length > 0) {
  for (const error of errors) console.error(`ops-check: FAIL: ${error}`);
  process.exit(1);
}
console.log(`ops-check: ${rules.length} rules and ${dashboards.length} dashboard(s): structure and metric names ok`);
NODE

if [[ "$failed" -ne 0 ]]; then
  echo "ops-check: FAILED" >&2
  exit 1
fi
echo "ops-check: OK"
