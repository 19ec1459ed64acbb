import { parseArgs } from 'node:util';
import { callControl, createHttpDriver } from '../../stripe-sim/http-driver.js';
import { UsageError } from '../usage-error.js';
import { isScenarioName, runScenario, scenarioNames } from '../../stripe-sim/scenarios.js';

const usage = `Usage: billing trigger <scenario> [--sim http://127.0.0.1:12111] [--user ID] [--lookup-key KEY] [--price ID] [--email E] [--wait]
Scenarios: ${scenarioNames.join(', ')}
Runs the scenario against a running Stripe simulator (tools/stripe-sim/main.ts) over its control API.
--wait waits until the simulator has delivered every webhook.`;

/**
 * `billing trigger <scenario>`: drives a running simulator step by step, printing one line per
 * step, then the ids it created.
 */
export async function trigger(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      sim: { type: 'string', default: 'http://127.0.0.1:12111' },
      user: { type: 'string' },
      'lookup-key': { type: 'string' },
      price: { type: 'string' },
      email: { type: 'string' },
      wait: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0];
  if (values.help || name === undefined) {
    console.log(usage);
    return;
  }
  if (!isScenarioName(name)) throw new UsageError(`Unknown scenario '${name}'. Known: ${scenarioNames.join(', ')}`);
  const driver = createHttpDriver(values.sim);
  const context = { userId: values.user, lookupKey: values['lookup-key'], price: values.price, email: values.email };
  let n = 0;
  const result = await runScenario(name, driver, context, (line) => console.log(`${String(++n).padStart(2)}. ${line}`));
  console.log(`done: ${name} customer=${result.customer} subscription=${result.subscription}`);
  if (values.wait) {
    const { stats } = await callControl<{ stats: Record<string, number> }>(values.sim, 'POST', '/_sim/webhooks/idle', {});
    console.log(`webhooks idle: ${JSON.stringify(stats)}`);
  }
}
