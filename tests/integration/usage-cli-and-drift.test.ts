import test from 'ava';
import { childEnv, runScript } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { balanceKeys } from '../../shared/usage/usage-keys.js';
import { consumeCall, key, meteredCustomer, usageEnv } from './usage-fixtures.js';

test('usage adjust, ledger and drift on the command line; drift is 0 after load and found when Redis disagrees', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { customer, writer } = await meteredCustomer(services, { api_calls: 100 });
  const answers = await Promise.all(Array.from({ length: 12 }, () => consumeCall(services.url, writer, customer.stripeId, { feature: 'api_calls', amount: 3, idempotency_key: key() })));
  t.true(answers.every((answer) => answer.status === 200));
  const env = childEnv({ ...services.config });

  const adjusted = await runScript('tools/cli/main.ts', ['usage', 'adjust', customer.stripeId, '--feature', 'api_calls', '--amount', '10', '--reason', 'outage credit', '--key', 'cli-1'], env);
  t.is(adjusted.code, 0, adjusted.stderr);
  t.is(adjusted.stdout, 'recorded credit of 10 api_calls; remaining 74 of 110\n');
  const again = await runScript('tools/cli/main.ts', ['usage', 'adjust', customer.stripeId, '--feature', 'api_calls', '--amount', '10', '--reason', 'outage credit', '--key', 'cli-1'], env);
  t.is(again.stdout, 'already recorded credit of 10 api_calls; remaining 74 of 110\n');
  const bad = await runScript('tools/cli/main.ts', ['usage', 'adjust', customer.stripeId, '--feature', 'api_calls', '--amount', 'lots'], env);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--amount .*--reason is required/s);

  const ledger = await runScript('tools/cli/main.ts', ['usage', 'ledger', customer.userId, '--limit', '2', '--json'], env);
  t.is(ledger.code, 0, ledger.stderr);
  t.deepEqual((JSON.parse(ledger.stdout) as { kind: string; amount: number }[]).map((row) => [row.kind, row.amount]), [['adjust', -10], ['consume', 3]]);
  const table = await runScript('tools/cli/main.ts', ['usage', 'ledger', customer.stripeId, '--feature', 'api_calls'], env);
  t.is(table.stdout.trim().split('\n').length, 14, 'a header and 13 rows');

  const clean = await runScript('tools/cli/main.ts', ['usage', 'drift', '--json'], env);
  t.is(clean.code, 0, clean.stderr);
  t.deepEqual(JSON.parse(clean.stdout), { checked: 1, drifted: [] });

  await services.api.context.redis.hincrby(balanceKeys(services.config.REDIS_PREFIX, customer.id, 'api_calls').state, 'used', 5);
  const drift = await runScript('tools/cli/main.ts', ['usage', 'drift', '--customer', customer.stripeId], env);
  t.is(drift.code, 1);
  t.is(drift.stdout, `checked 1 balances, drift 1\n  ${customer.id} api_calls: ledger used 36 reserved 0, redis used 41 reserved 0\n`);
});
