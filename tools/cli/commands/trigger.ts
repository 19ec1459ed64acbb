import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { callControl, createHttpDriver } from '../../stripe-sim/http-driver.js';
import { isScenarioName, runScenario, scenarioNames } from '../../stripe-sim/scenarios.js';
import { createCli, type Cli } from '../cli.js';
import { defineCommand, runCommand } from '../command.js';
import { readEntitlementsWhenSettled } from '../settled-entitlements.js';
import { UsageError } from '../usage-error.js';

export const triggerCommand = defineCommand({
  name: 'trigger',
  args: 'SCENARIO',
  summary: 'Plays a scenario on the running Stripe simulator, one line per step.',
  help: `Scenarios: ${scenarioNames.join(', ')}

  --sim URL               the simulator (default: STRIPE_API_BASE of .local/env, else http://127.0.0.1:12111)
  --user ID               the app's user id (default: a new user_…)
  --lookup-key KEY        the plan's lookup key (default per scenario: pro_monthly; team_monthly for
                          seat-change, basic_monthly for plan-change)
  --price ID              a price id instead of a lookup key
  --email E               the customer's email
  --wait                  wait until every webhook is delivered and processed, then print the
                          user's entitlements as the api serves them (needs the api and an admin
                          key: --key, or .local/demo-admin-key of npm run local)
  --key KEY               admin key for --wait
  --api URL               the api for --wait (default: http://127.0.0.1:PORT of .local/env)`,
  options: {
    sim: { type: 'string' },
    user: { type: 'string' },
    'lookup-key': { type: 'string' },
    price: { type: 'string' },
    email: { type: 'string' },
    wait: { type: 'boolean', default: false },
    key: { type: 'string' },
    api: { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals: [name = ''] }, cli) {
    if (!isScenarioName(name)) throw new UsageError(`Unknown scenario '${name}'. Known: ${scenarioNames.join(', ')}`);
    const sim = values.sim ?? cli.setting('STRIPE_API_BASE') ?? 'http://127.0.0.1:12111';
    const userId = values.user ?? `user_${randomBytes(4).toString('hex')}`;
    const context = { userId, lookupKey: values['lookup-key'], price: values.price, email: values.email };
    let n = 0;
    const result = await runScenario(name, createHttpDriver(sim), context, (line) => console.log(`${String(++n).padStart(2)}. ${line}`));
    console.log(`done: ${name} user=${userId} customer=${result.customer} subscription=${result.subscription}`);
    if (!values.wait) return;
    const { stats } = await callControl<{ stats: Record<string, number> }>(sim, 'POST', '/_sim/webhooks/idle', {});
    console.log(`webhooks delivered: ${Object.entries(stats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const keyFile = path.join(cli.root, '.local', 'demo-admin-key');
    const key = values.key ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
    if (!key) {
      console.log('entitlements: give --key (an admin key) to read them');
      return;
    }
    const api = values.api ?? `http://127.0.0.1:${cli.setting('PORT') ?? '3000'}`;
    const features = await readEntitlementsWhenSettled(api, key, userId);
    console.log(`entitlements of ${userId}: ${features.length ? features.map((f) => `${f.feature}=${String(f.value)}`).join(' ') : 'none'}`);
  },
});

/** `billing trigger …` as a function (tests drive a simulator in-process with it). */
export async function trigger(args: string[], cli: Cli = createCli()): Promise<void> {
  await runCommand(triggerCommand, args, cli);
}
