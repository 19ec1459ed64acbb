import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSimulator, type Simulator, type SimulatorOptions } from './server.js';

export const usage = `Usage: tsx tools/stripe-sim/main.ts [options]
  --port N                 listen port (default 12111; 0 = any free port)
  --host H                 listen address (default 127.0.0.1)
  --seed FILE              catalog seed JSON (default tools/stripe-sim/seed.json; --no-seed for none)
  --webhook-url URL        deliver events here (signed like Stripe)
  --webhook-secret S       signing secret (whsec_…), required with --webhook-url
  --retry-base-ms N        first retry delay, doubling each time (default 1000)
  --max-attempts N         delivery attempts per event (default 5)
  --duplicate-percent P    deliver P% of events twice
  --drop-percent P         never deliver P% of events
  --reorder-window-ms W    hold events and release them shuffled every W ms
  --reorder-batch K        …or every K events (default 10)
  --fail-percent P         answer P% of /v1 requests with --fail-status (500 or 429)
  --random-seed N          seed for ids and chaos (default 1)
  --clock-start T          simulated clock start, unix seconds (default now)
  --api-key KEY            accept only this secret key
  --quiet                  do not print events`;

const options = {
  port: { type: 'string', default: '12111' },
  host: { type: 'string', default: '127.0.0.1' },
  seed: { type: 'string' },
  'no-seed': { type: 'boolean', default: false },
  'webhook-url': { type: 'string' },
  'webhook-secret': { type: 'string' },
  'retry-base-ms': { type: 'string' },
  'max-attempts': { type: 'string' },
  'duplicate-percent': { type: 'string' },
  'drop-percent': { type: 'string' },
  'reorder-window-ms': { type: 'string' },
  'reorder-batch': { type: 'string' },
  'fail-percent': { type: 'string' },
  'fail-status': { type: 'string', default: '500' },
  'random-seed': { type: 'string' },
  'clock-start': { type: 'string' },
  'api-key': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number (got ${value})`);
  return parsed;
}

/** Turns command-line flags into simulator options; throws naming the bad flag. */
export function parseSimulatorArgs(argv: string[]): SimulatorOptions & { quiet: boolean; help: boolean } {
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const webhookUrl = values['webhook-url'];
  const secret = values['webhook-secret'];
  if (webhookUrl !== undefined && secret === undefined) throw new Error('--webhook-url needs --webhook-secret');
  const failStatus = number('fail-status', values['fail-status']);
  if (failStatus !== 500 && failStatus !== 429) throw new Error('--fail-status must be 500 or 429');
  return {
    port: number('port', values.port),
    host: values.host,
    seed: values['no-seed'] ? undefined : (values.seed ?? fileURLToPath(new URL('./seed.json', import.meta.url))),
    randomSeed: number('random-seed', values['random-seed']),
    clockStart: number('clock-start', values['clock-start']),
    apiKey: values['api-key'],
    failures: { percent: number('fail-percent', values['fail-percent']) ?? 0, status: failStatus },
    webhook: webhookUrl === undefined || secret === undefined ? undefined : {
      url: webhookUrl,
      secret,
      baseDelayMs: number('retry-base-ms', values['retry-base-ms']),
      maxAttempts: number('max-attempts', values['max-attempts']),
      chaos: {
        duplicatePercent: number('duplicate-percent', values['duplicate-percent']),
        dropPercent: number('drop-percent', values['drop-percent']),
        reorderWindowMs: number('reorder-window-ms', values['reorder-window-ms']),
        reorderBatch: number('reorder-batch', values['reorder-batch']),
      },
    },
    quiet: values.quiet,
    help: values.help,
  };
}

let running: Simulator | null = null;

export async function start(argv: string[]): Promise<Simulator | null> {
  const parsed = parseSimulatorArgs(argv);
  if (parsed.help) {
    console.log(usage);
    return null;
  }
  running = await createSimulator(parsed);
  if (!parsed.quiet) running.onEvent((event) => console.log(`${new Date().toISOString()} ${event.id} ${event.type}`));
  console.log(`Stripe simulator on ${running.url} (API ${running.url}/v1, control ${running.url}/_sim)`);
  console.log(`  client: new Stripe('sk_test_…', { host: '${running.stripeConfig.host}', port: ${running.port}, protocol: 'http' })`);
  if (parsed.webhook) console.log(`  webhooks → ${parsed.webhook.url}`);
  return running;
}

export async function stop(): Promise<void> {
  const sim = running;
  running = null;
  await sim?.close();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void stop().then(() => process.exit(0)); });
  }
  start(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(usage);
    process.exit(1);
  });
}
