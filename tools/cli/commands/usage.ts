import { closeContext, createContext, type Context } from '../../../shared/context.js';
import { AppError } from '../../../shared/errors.js';
import { EntitlementCache } from '../../../shared/entitlements/cache.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { waitForRedis } from '../../../shared/infra/redis.js';
import { adjustBalance } from '../../../shared/usage/adjust-balance.js';
import { balanceDrift } from '../../../shared/usage/balance-drift.js';
import { BalanceStore } from '../../../shared/usage/balance-store.js';
import { LedgerWriter } from '../../../shared/usage/ledger-writer.js';
import { adjustSchema } from '../../../shared/usage/usage-requests.js';
import type { UsageDeps } from '../../../shared/usage/usage-target.js';
import type { Cli } from '../cli.js';
import { defineCommand } from '../command.js';
import { formatTable, printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

async function withUsage<T>(cli: Cli, work: (usage: UsageDeps, context: Context) => Promise<T>): Promise<T> {
  const context = createContext(cli.config(), { role: 'cli', redisRole: 'producer', silentLogs: true });
  try {
    if (!(await waitForRedis(context.redis, 5000))) throw new AppError(503, 'unavailable', 'redis_unavailable', 'Redis is not reachable');
    const usage = { context, cache: new EntitlementCache(context), store: new BalanceStore(context.balances, context.config.REDIS_PREFIX), writer: new LedgerWriter(context.db) };
    return await work(usage, context);
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw new UsageError(error.message);
    throw error;
  } finally {
    await closeContext(context);
  }
}

export const usageAdjust = defineCommand({
  name: 'usage adjust',
  args: 'CUSTOMER',
  summary: "Credits (positive) or debits (negative) a customer's metered balance, audited.",
  help: `  --feature NAME          the metered feature (required)
  --amount N              units: positive credits, negative debits (required)
  --reason TEXT           why (required; kept in the audit log)
  --key KEY               idempotency key: running the command again changes nothing
  --json                  print {entry, balance} as JSON

example: npm run billing -- usage adjust cus_123 --feature api_calls --amount 500 --reason "outage credit"`,
  options: { feature: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false } },
  positionals: [1, 1],
  async run({ values, positionals }, cli) {
    const parsed = adjustSchema.safeParse({ customer: positionals[0], feature: values.feature, amount: values.amount === undefined ? undefined : Number(values.amount), reason: values.reason, ...(values.key && { idempotency_key: values.key }) });
    if (!parsed.success) throw new UsageError(`usage adjust: ${parsed.error.issues.map((issue) => `--${String(issue.path[0] ?? '')} ${issue.message}`).join('; ')} (see --help)`);
    const result = await withUsage(cli, (usage) => adjustBalance(usage, parsed.data, { actor: 'cli', requestId: undefined }));
    if (values.json) return printJson({ entry: result.entry, balance: result.balance }, cli.stdout);
    const { balance } = result;
    cli.stdout.write(`${result.replayed ? 'already recorded' : 'recorded'} ${parsed.data.amount > 0 ? 'credit' : 'debit'} of ${Math.abs(parsed.data.amount)} ${balance.feature}; remaining ${String(balance.remaining ?? 'unlimited')} of ${String(balance.granted ?? 'unlimited')}\n`);
  },
});

export const usageLedger = defineCommand({
  name: 'usage ledger',
  args: 'CUSTOMER',
  summary: "Prints a customer's usage ledger, newest first.",
  help: `  --feature NAME          only this feature
  --limit N               rows (default 50)
  --json                  print the rows as JSON`,
  options: { feature: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false } },
  positionals: [1, 1],
  async run({ values, positionals }, cli) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('usage ledger: --limit must be an integer from 1 to 10000 (see --help)');
    const rows = await withUsage(cli, async (_usage, context) => {
      const customer = await requireCustomer(context.db, positionals[0] ?? '');
      return context.db('usage_ledger').where({ customer_id: customer.id }).modify((q) => { if (values.feature) void q.where({ feature: values.feature }); })
        .orderBy('id', 'desc').limit(limit).select<{ id: string; feature: string; kind: string; amount: string; idempotency_key: string; reason: string | null; occurred_at: Date }[]>('id', 'feature', 'kind', 'amount', 'idempotency_key', 'reason', 'occurred_at');
    });
    if (values.json) return printJson(rows.map((row) => ({ ...row, amount: Number(row.amount) })), cli.stdout);
    cli.stdout.write(formatTable(['id', 'occurred', 'feature', 'kind', 'amount', 'key / reason'], rows.map((row) => [
      String(row.id), row.occurred_at.toISOString().slice(0, 19).replace('T', ' '), row.feature, row.kind, String(row.amount), row.reason ?? row.idempotency_key,
    ]), cli.stdout));
  },
});

export const usageDrift = defineCommand({
  name: 'usage drift',
  summary: 'Recomputes every balance from the ledger and compares it with Redis; exits 1 on drift.',
  help: `  --customer CUSTOMER     only this customer
  --json                  print {checked, drifted} as JSON`,
  options: { customer: { type: 'string' }, json: { type: 'boolean', default: false } },
  async run({ values }, cli) {
    const report = await withUsage(cli, async (usage, context) => {
      const customerId = values.customer ? (await requireCustomer(context.db, values.customer)).id : undefined;
      return balanceDrift(usage, customerId ? { customerId } : {});
    });
    if (values.json) printJson(report, cli.stdout);
    else cli.stdout.write(`checked ${report.checked} balances, drift ${report.drifted.length}\n${report.drifted.map((d) => `  ${d.customer_id} ${d.feature}: ledger used ${d.ledger.used} reserved ${d.ledger.reserved}, redis used ${d.redis.used} reserved ${d.redis.reserved}`).join('\n')}${report.drifted.length ? '\n' : ''}`);
    if (report.drifted.length > 0) process.exitCode = 1;
  },
});
