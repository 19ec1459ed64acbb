import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: root, timeout: 110_000, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('tools/ops-check.sh passes: promtool accepts the rules and config, dashboard and metric names are valid', async (t) => {
  const result = await run('bash', ['tools/ops-check.sh']);
  t.is(result.code, 0, `ops-check failed:\n${result.stdout}\n${result.stderr}`);
  t.regex(result.stdout, /ops-check: OK/);
});

test('the Grafana dashboard has the panels an on-call engineer needs', async (t) => {
  const dashboard = JSON.parse(await readFile(`${root}ops/grafana/billing-dashboard.json`, 'utf8')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    __inputs: { name: string }[];
    panels: Panel[];
  };
  t.is(dashboard.title, 'Billing & entitlements');
  t.truthy(dashboard.uid);
  t.true(dashboard.schemaVersion >= 36);
  t.true(dashboard.__inputs.some((input) => input.name === 'DS_PROMETHEUS'));

  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  const ids = panels.map((panel) => panel.id);
  t.is(new Set(ids).size, ids.length, 'panel ids are unique');
  const titles = new Set(panels.filter((panel) => panel.type !== 'row').map((panel) => panel.title));
  for (const title of [
    'Webhook ingest rate by outcome',
    'End-to-end event lag p50/p99',
    'Queue depth by queue/state',
    'Dead-letter queue size',
    'Dead letters rate by queue',
    'Entitlement read latency p50/p99',
    'Entitlement read request rate',
    'Entitlement cache hit ratio by tier',
    'Stripe API calls by status',
    'Stripe rate-limit waits',
    'Reconciliation drift by kind',
    'Time since last reconciliation success',
    'Reconciliation run duration',
  ]) {
    t.true(titles.has(title), `panel "${title}" exists`);
  }
  for (const panel of panels.filter((p) => p.type !== 'row')) {
    t.true((panel.targets ?? []).length > 0, `panel "${panel.title}" has targets`);
    for (const target of panel.targets ?? []) t.true((target.expr ?? '').trim().length > 0, `panel "${panel.title}" has exprs`);
  }
});
