// `npm run bench -- [reads|ingest|processing|reconcile|reload|console|stream|usage|meters|scale …]`: each benchmark runs beside its bare
// ceiling in the same run; the figures go to stdout, bench/results/latest.json and latest.md.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatMeterResult, runMeterBenchmark, type MeterBenchmarkResult } from './meters.js';
import { formatConsoleResult, runConsoleBenchmark, type ConsoleBenchmarkResult } from './console.js';
import { formatIngestResult, runIngestBenchmark, type IngestBenchmarkResult } from './ingest.js';
import { formatProcessingResult, runProcessingBenchmark, type ProcessingBenchmarkResult } from './processing.js';
import { formatReadsResult, runReadsBenchmark, type ReadsBenchmarkResult } from './reads.js';
import { runReconcileBenchmark } from './reconcile.js';
import { formatReloadResult, runReloadBenchmark, type ReloadBenchmarkResult } from './reload.js';
import { formatScaleResult, runScaleBenchmark, type ScaleBenchmarkResult } from './scale.js';
import { formatStreamResult, runStreamBenchmark, type StreamBenchmarkResult } from './stream.js';
import { round } from './support/figures.js';
import { projectRoot } from './support/processes.js';
import { formatUsageResult, runUsageBenchmark, type UsageBenchmarkResult } from './usage.js';

/** What every version of the reconcile benchmark reports; a bare listing of the same subscriptions when it measures one. */
type ReconcileFigures = Awaited<ReturnType<typeof runReconcileBenchmark>> & { ceilingSeconds?: number };
const reconcileTargetSeconds = 60;

interface Row { benchmark: string; figure: string; ceiling: string; ratio: string; target: string; met: string }

const yes = (met: boolean) => (met ? 'yes' : '**no**');

const benchmarks = {
  reads: {
    run: runReadsBenchmark,
    print: formatReadsResult,
    rows: (r: ReadsBenchmarkResult): Row[] => [
      { benchmark: 'reads, cache hit (req/s)', figure: String(r.api.requestsPerSecond), ceiling: `${r.ceiling.requestsPerSecond} (Express + ioredis GET)`, ratio: `${r.ratio} (CPU ${r.cpuRatio})`, target: `≥ ${r.targets.ratio}`, met: yes(r.met.ratio) },
      { benchmark: `reads p99 at ${r.paced.rate} req/s (ms)`, figure: String(r.paced.p99Ms), ceiling: `${r.ceilingPaced.p99Ms} (bare server, same pacing)`, ratio: '', target: `≤ ${r.targets.p99Ms}`, met: yes(r.met.p99) },
    ],
  },
  ingest: {
    run: runIngestBenchmark,
    print: formatIngestResult,
    rows: (r: IngestBenchmarkResult): Row[] => [
      { benchmark: 'webhook ingest (events/s)', figure: String(r.api.requestsPerSecond), ceiling: `${r.ceiling.requestsPerSecond} (verify + insert + add)`, ratio: `${r.ratio} (CPU ${r.cpuRatio})`, target: `≥ ${r.targets.ratio}`, met: yes(r.met.ratio) },
      { benchmark: `freshness p99 at ${r.freshness.rate} events/s (ms)`, figure: `${r.freshness.p99Ms} (p50 ${r.freshness.p50Ms}, ${r.freshness.readable}/${r.freshness.events} readable; after ${r.freshness.warmUp.events} warm-up events, whose p99 was ${r.freshness.warmUp.p99Ms})`, ceiling: '', ratio: '', target: `≤ ${r.targets.freshnessP99Ms}`, met: yes(r.met.freshness) },
    ],
  },
  processing: {
    run: runProcessingBenchmark,
    print: formatProcessingResult,
    rows: (r: ProcessingBenchmarkResult): Row[] => [
      { benchmark: `processing backlog of ${r.events} (events/s)`, figure: String(r.worker.eventsPerSecond), ceiling: `${r.ceiling.eventsPerSecond} (bare worker, 1 Stripe read)`, ratio: String(r.ratio), target: '', met: '' },
    ],
  },
  reconcile: {
    run: () => runReconcileBenchmark(),
    print: (r: ReconcileFigures) => `reconcile: ${JSON.stringify(r, null, 2)}`,
    rows: (r: ReconcileFigures): Row[] => [{
      benchmark: `reconcile ${r.subscriptions} subscriptions (s)`, figure: `${r.seconds.toFixed(1)} (${Math.round(r.perSecond)}/s)`,
      ceiling: r.ceilingSeconds === undefined ? '' : `${r.ceilingSeconds} (bare listing)`,
      ratio: r.ceilingSeconds === undefined ? '' : String(Math.round((r.ceilingSeconds / r.seconds) * 100) / 100),
      target: `≤ ${reconcileTargetSeconds}`, met: yes(r.seconds <= reconcileTargetSeconds),
    }],
  },
  reload: {
    run: () => runReloadBenchmark(),
    print: formatReloadResult,
    rows: (r: ReloadBenchmarkResult): Row[] => [{
      benchmark: `reads during pm2 reload of api then workers (${r.connections} connections)`,
      figure: `${r.during.requests} requests, ${r.during.errors + r.during.timeouts + r.during.non2xx} failed; p99 ${r.during.p99Ms} ms vs ${r.before.p99Ms} ms before; ` +
        `webhooks ${r.webhooks.failed} failed, events ${r.events.lost} lost, ${r.events.doubled} doubled`,
      ceiling: '', ratio: `${r.p99Ratio} (p99 during ÷ before)`, target: '0 failed, 0 lost, 0 doubled',
      met: yes(r.during.errors + r.during.timeouts + r.during.non2xx + r.webhooks.failed + r.events.lost + r.events.doubled === 0),
    }],
  },
  console: {
    run: runConsoleBenchmark,
    print: formatConsoleResult,
    rows: (r: ConsoleBenchmarkResult): Row[] => r.pages.map((figure) => ({
      benchmark: `console ${figure.page} p95 (ms), ${r.customers} customers, ${r.events} events`, figure: `${figure.p95Ms} (p50 ${figure.p50Ms})`,
      ceiling: '', ratio: '', target: `≤ ${r.targetP95Ms}`, met: yes(figure.p95Ms <= r.targetP95Ms),
    })),
  },
  stream: {
    run: runStreamBenchmark,
    print: formatStreamResult,
    rows: (r: StreamBenchmarkResult): Row[] => [
      { benchmark: `${r.clients} idle streams, one api process (extra MiB)`, figure: String(r.idle.extraMiB), ceiling: '', ratio: '', target: `< ${r.targets.extraMiB}`, met: yes(r.idle.extraMiB < r.targets.extraMiB) },
      { benchmark: `${r.clients} streams reconnecting at once, all at the latest (ms)`, figure: `${r.reconnect.allReachedLatestMs} (p99 ${r.reconnect.p99Ms}, ${r.reconnect.reached} reached)`, ceiling: '', ratio: '', target: `≤ ${r.targets.reconnectMs}`, met: yes(r.reconnect.reached === r.clients && r.reconnect.allReachedLatestMs <= r.targets.reconnectMs) },
      {
        benchmark: `webhook 2xx → event at an SSE client, p99 at ${r.latency.rate} events/s (ms)`,
        figure: `${r.latency.p99Ms} (p50 ${r.latency.p50Ms}, ${r.latency.arrived}/${r.latency.events} arrived; after ${r.latency.warmUp.events} warm-up events, whose p99 was ${r.latency.warmUp.p99Ms})`,
        ceiling: `${r.latency.ceiling.p99Ms} (change log append → same client, same pacing)`, ratio: '', target: `≤ ${r.targets.latencyP99Ms}`,
        met: yes(r.latency.arrived === r.latency.events && r.latency.p99Ms <= r.targets.latencyP99Ms),
      },
      { benchmark: 'has() on a watched customer, p99 (ns)', figure: String(r.has.p99Ns), ceiling: '', ratio: '', target: `< ${r.targets.hasP99Ns}`, met: yes(r.has.p99Ns < r.targets.hasP99Ns) },
    ],
  },
  meters: {
    run: runMeterBenchmark,
    print: formatMeterResult,
    rows: (r: MeterBenchmarkResult): Row[] => [{
      benchmark: `${r.rows} usage rows exported to Stripe meters, ${Math.round((r.failedRequests / Math.max(1, r.exportRequests)) * 100)} % of calls failing (requests)`,
      figure: `${r.exportRequests} in ${r.seconds} s (${r.windows} windows); parity diff ${r.parityDiff}`, ceiling: '', ratio: '',
      target: `≤ ${r.targets.maxRequests} requests, diff ${r.targets.parityDiff}`, met: yes(r.met),
    }],
  },
  usage: {
    run: runUsageBenchmark,
    print: formatUsageResult,
    rows: (r: UsageBenchmarkResult): Row[] => [
      { benchmark: 'usage consume (req/s, median of alternating rounds)', figure: String(r.api.requestsPerSecond), ceiling: `${r.ceiling.requestsPerSecond} (Express + Lua + batched insert)`, ratio: `${r.ratio} (rounds ${r.roundRatios.join(', ')}; CPU ${r.cpuRatio})`, target: `≥ ${r.targets.ratio}`, met: yes(r.met.ratio) },
      { benchmark: `usage consume p99 at ${r.paced.rate}/s (ms)`, figure: `${r.paced.p99Ms} (p50 ${r.paced.p50Ms})`, ceiling: `${r.ceilingPaced.p99Ms} (p50 ${r.ceilingPaced.p50Ms})`, ratio: '', target: `≤ ${r.targets.p99Ms}`, met: yes(r.met.p99) },
      { benchmark: 'one hot (customer, feature) (consumes/s)', figure: `${r.hot.perSecond}; admitted ${r.hot.admitted} of ${r.hot.requests} against ${r.hot.allowance}`, ceiling: '', ratio: '', target: `≥ ${r.targets.hotPerSecond}, exact`, met: yes(r.met.hot) },
    ],
  },
  scale: {
    run: runScaleBenchmark,
    print: formatScaleResult,
    rows: (r: ScaleBenchmarkResult): Row[] => r.runs.map((run) => ({
      benchmark: `${run.topology}, ${run.shards} queue shard(s): events/s (ingest + processing), reads/s`,
      figure: `${run.eventsPerSecond} events/s, ${run.readsPerSecond} reads/s; per event ${run.perNode.map((node) => `${node.node} ${node.commandsPerEvent} cmds ${node.bytesInPerEvent} B in`).join(', ')}`,
      ceiling: `ingest ${r.ceiling.ingestPerSecond}/s, reads ${r.ceiling.readsPerSecond}/s (bare servers, single Redis)`,
      ratio: `${round(run.eventsPerSecond / r.ceiling.ingestPerSecond)} / ${round(run.readsPerSecond / r.ceiling.readsPerSecond)}`, target: '', met: '',
    })),
  },
} as const;

type Name = keyof typeof benchmarks;
const isName = (name: string): name is Name => name in benchmarks;

function machine() {
  return {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100), platform: `${os.type()} ${os.release()}`, node: process.version,
  };
}

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !isName(name));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`);
  process.exit(2);
}
const names = (requested.length ? requested : Object.keys(benchmarks)) as Name[];
const startedAt = new Date().toISOString();
const machineBefore = machine();
const results: Partial<Record<Name, unknown>> = {};
const rows: Row[] = [];
for (const name of names) {
  process.stdout.write(`\n== ${name}\n`);
  const bench = benchmarks[name] as { run: () => Promise<unknown>; print: (r: unknown) => string; rows: (r: unknown) => Row[] };
  const result = await bench.run();
  results[name] = result;
  rows.push(...bench.rows(result));
  process.stdout.write(`${bench.print(result)}\n`);
}

const table = [
  '| benchmark | figure | ceiling (same run) | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((row) => `| ${row.benchmark} | ${row.figure} | ${row.ceiling} | ${row.ratio} | ${row.target} | ${row.met} |`),
].join('\n');
const facts = machineBefore;
const markdown = [
  '# Benchmark results',
  '',
  `Run ${startedAt} with \`npm run bench${requested.length ? ` -- ${requested.join(' ')}` : ''}\` on ${facts.cpus} × ${facts.cpuModel}, ${facts.memoryGiB} GiB, ${facts.platform}, Node ${facts.node}` +
    ` (load average before: ${facts.loadAverage.join(', ')}). Each figure ran beside its ceiling in the same run; ratios compare the two.`,
  '',
  table,
  '',
].join('\n');
const directory = path.join(projectRoot, 'bench', 'results');
await mkdir(directory, { recursive: true });
await writeFile(path.join(directory, 'latest.json'), `${JSON.stringify({ startedAt, machine: facts, results }, null, 2)}\n`);
await writeFile(path.join(directory, 'latest.md'), markdown);
process.stdout.write(`\n${table}\n\nwritten: bench/results/latest.json, bench/results/latest.md\n`);
