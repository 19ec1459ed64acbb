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
API weather (shares of /v1 requests, adding up to at most 100):
  --api-429-percent P      answer 429 rate_limit_error with Retry-After
  --api-retry-after S      Retry-After of those 429s, in seconds (default 1)
  --api-500-percent P      answer 500 api_error
  --api-drop-percent P     close the connection without an answer
  --api-slow-percent P     answer only after --api-slow-ms (default 2000)
  --api-down-after-ms A    go fully down A ms after start (every request 503)…
  --api-down-for-ms D      …for D ms (default: until DELETE /_sim/weather/outage)
  --api-weather-key KEY    only requests with this secret key meet the weather (repeatable)
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
  'api-429-percent': { type: 'string' },
  'api-retry-after': { type: 'string' },
  'api-500-percent': { type: 'string' },
  'api-drop-percent': { type: 'string' },
  'api-slow-percent': { type: 'string' },
  'api-slow-ms': { type: 'string' },
  'api-down-after-ms': { type: 'string' },
  'api-down-for-ms': { type: 'string' },
  'api-weather-key': { type: 'string', multiple: true },
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
export function parseSimulatorArgs(argv: string[]): SimulatorOptions & { outage?: { afterMs: number; forMs?: number }; quiet: boolean; help: boolean } {
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const webhookUrl = values['webhook-url'];
  const secret = values['webhook-secret'];
  if (webhookUrl !== undefined && secret === undefined) throw new Error('--webhook-url needs --webhook-secret');
  const downAfter = number('api-down-after-ms', values['api-down-after-ms']);
  const downFor = number('api-down-for-ms', values['api-down-for-ms']);
  if (downFor !== undefined && downAfter === undefined) throw new Error('--api-down-for-ms needs --api-down-after-ms');
  const weather = {
    rateLimitPercent: number('api-429-percent', values['api-429-percent']),
    retryAfterSeconds: number('api-retry-after', values['api-retry-after']),
    serverErrorPercent: number('api-500-percent', values['api-500-percent']),
    dropPercent: number('api-drop-percent', values['api-drop-percent']),
    slowPercent: number('api-slow-percent', values['api-slow-percent']),
    slowMs: number('api-slow-ms', values['api-slow-ms']),
    onlyKeys: values['api-weather-key'],
  };
  return {
    port: number('port', values.port),
    host: values.host,
    seed: values['no-seed'] ? undefined : (values.seed ?? fileURLToPath(new URL('./seed.json', import.meta.url))),
    randomSeed: number('random-seed', values['random-seed']),
    clockStart: number('clock-start', values['clock-start']),
    apiKey: values['api-key'],
    weather: Object.fromEntries(Object.entries(weather).filter(([, value]) => value !== undefined)),
    outage: downAfter === undefined ? undefined : { afterMs: downAfter, forMs: downFor },
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
  const { outage } = parsed;
  if (outage) {
    const sim = running;
    setTimeout(() => sim.weather.startOutage(outage.forMs), outage.afterMs).unref();
  }
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
