// PM2 process file of `npm run local` (tools/local.sh): the service's processes from
// ecosystem.config.cjs plus the Stripe simulator standing in for Stripe. `npm run stop` deletes
// all of them through this file. CommonJS because PM2 loads process files with require().
//
// The simulator runs the compiled tools/stripe-sim/main.js with Node itself as the script
// (interpreter none), so it is its own main module; PM2's wrapper would hide that. Its settings
// come from the environment tools/local.sh exports: STRIPE_SIM_PORT, STRIPE_SIM_RANDOM_SEED, PORT
// (where the api takes webhooks), STRIPE_WEBHOOK_SECRET (signs them) and STRIPE_SECRET_KEY (the
// only key it accepts).
/* eslint-disable no-restricted-properties, @typescript-eslint/no-require-imports -- a CommonJS process file reading the shell's environment, as ecosystem.config.cjs does */
/* global require, module, __dirname, process */
const path = require('node:path');
const { apps } = require('../ecosystem.config.cjs');

const root = path.resolve(__dirname, '..');
const env = process.env;
const [signingSecret] = (env.STRIPE_WEBHOOK_SECRET ?? '').split(',');

const simulator = {
  name: 'billing-stripe-sim',
  script: process.execPath,
  interpreter: 'none',
  cwd: root,
  args: [
    path.join(root, 'dist/tools/stripe-sim/main.js'),
    '--port', env.STRIPE_SIM_PORT ?? '12111',
    '--seed', path.join(root, 'tools/stripe-sim/seed.json'),
    '--random-seed', env.STRIPE_SIM_RANDOM_SEED ?? '1',
    ...(signingSecret ? ['--webhook-url', `http://127.0.0.1:${env.PORT ?? '3000'}/webhooks/stripe`, '--webhook-secret', signingSecret] : []),
    ...(env.STRIPE_SECRET_KEY ? ['--api-key', env.STRIPE_SECRET_KEY] : []),
  ],
  // Its state lives in memory: a restart is a fresh Stripe account, so do not loop on a crash.
  max_restarts: 3,
  min_uptime: 10_000,
  exp_backoff_restart_delay: 100,
  kill_timeout: 5_000,
};

module.exports = { apps: [...apps, simulator] };
