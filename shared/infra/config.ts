import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';

/**
 * Every setting of the service, parsed once from the environment. This is the only module that
 * reads `process.env`; everything else receives a {@link Config}.
 */

const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(1)).min(1, 'needs at least one value'));

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(0).max(65535);

/** `host:port` pairs, comma-separated (Redis Cluster seed nodes, Sentinels). */
const hostPorts = csv.pipe(z.array(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'each entry must be host:port')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535 && !value.endsWith(':0'), 'each port must be between 1 and 65535')));

/** Shard numbers, comma-separated (`0,2`). */
const shardList = csv.pipe(z.array(z.string().regex(/^\d{1,3}$/, 'each entry must be a shard number (0, 1, …)')));

/**
 * A value copied from an example rather than a real secret: the prefix alone, or the prefix and a
 * placeholder word (`whsec_replace_me`, `sk_test_your_key_here`, `whsec_xxxx`). Anchored, so a
 * random real secret can never match by chance.
 */
const placeholder = /^(whsec|sk_test|sk_live|rk_test|rk_live)_(replace_?me|change_?me|changeit|placeholder|example|dummy|secret|your_[a-z_]*|x{3,}|todo|\.\.\.|…)?$/i;

/** An origin (`https://app.example.com`, no path, query or credentials), normalised by the URL parser. */
const origin = z.string().refine((value) => {
  const url = URL.parse(value);
  return url !== null && /^https?:$/.test(url.protocol) && !url.username && !url.password && `${url.origin}/` === url.href.replace(/\/?$/, '/');
}, 'each entry must be an origin such as https://app.example.com (no path, query or credentials)').transform((value) => new URL(value).origin);

const fields = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** PostgreSQL connection string. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Size of the Postgres pool per process. @defaultValue 10 */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Postgres ends a session of this service idle inside a transaction for this long (its host cut off mid-transaction), releasing its locks; 0 leaves it to the server. The service never waits on anything else inside a transaction. @defaultValue 15000 */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  /** Read replicas, comma-separated connection strings: entitlement cache misses and admin lists read from them; writes and decisions stay on DATABASE_URL. @defaultValue none */
  DATABASE_REPLICA_URLS: csv.pipe(z.array(z.url({ protocol: /^postgres(ql)?$/ }))).optional(),
  /** A replica whose replay is further behind the primary than this is skipped (its reads go to the primary). @defaultValue 1000 */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /** Redis connection string (queues, cache, pub/sub); with REDIS_CLUSTER_NODES or REDIS_SENTINELS it supplies only credentials, database and TLS. Required unless one of those is set. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Seed nodes of a Redis Cluster, comma-separated `host:port`; when set it wins over REDIS_URL and REDIS_SENTINELS. @defaultValue unset */
  REDIS_CLUSTER_NODES: hostPorts.optional(),
  /** Redis Sentinels, comma-separated `host:port`; the master is found through them (REDIS_SENTINEL_NAME). @defaultValue unset */
  REDIS_SENTINELS: hostPorts.optional(),
  /** Name of the master the Sentinels watch. Required with REDIS_SENTINELS. */
  REDIS_SENTINEL_NAME: z.string().regex(/^[\w.-]+$/).optional(),
  /** Queue shards: the events, sync and outbound-webhook queues are split across this many hash-tagged prefixes by customer; 1 keeps one queue of each. @defaultValue 1 */
  QUEUE_SHARDS: z.coerce.number().int().min(1).max(256).default(1),
  /** Shards this worker process consumes, comma-separated (`0,2`). @defaultValue every shard */
  QUEUE_SHARDS_CONSUMED: shardList.optional(),
  /** Prefix of every Redis key; hash-tagged so BullMQ runs on Redis Cluster. @defaultValue `{billing}` */
  REDIS_PREFIX: z.string().regex(/^[\w{}:.-]+$/).default('{billing}'),
  /** HTTP port of the api. @defaultValue 3000 */
  PORT: port.default(3000),
  /** Port of the workers' /metrics server; 0 disables it. @defaultValue 9464 */
  METRICS_PORT: port.default(9464),
  /** Bearer token that `/metrics` on PORT requires; without it that endpoint is open in development and test, and off in production (scrape API_METRICS_PORT). */
  METRICS_TOKEN: z.string().min(16, 'needs at least 16 characters').optional(),
  /** Port of an api instance's own /metrics server, beside /metrics on PORT; 0 disables it. PM2 cluster mode sets it per instance. @defaultValue 0 */
  API_METRICS_PORT: port.default(0),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must look like sk_test_… or rk_live_…').refine((value) => !placeholder.test(value), 'is a placeholder; set the real key'),
  /** One or more webhook signing secrets, comma-separated (rotation). A placeholder (`whsec_replace_me`) is refused: with it anyone could sign events. */
  STRIPE_WEBHOOK_SECRET: csv.pipe(z.array(z.string().startsWith('whsec_', 'each secret must start with whsec_').refine((value) => !placeholder.test(value), 'is a placeholder; set the signing secret of your endpoint'))),
  /** Origins that checkout and portal return URLs may point at, comma-separated; any origin when unset. Required with a live key. */
  RETURN_URL_ORIGINS: csv.pipe(z.array(origin)).optional(),
  /** Base URL of a Stripe-compatible API (e.g. the local simulator); Stripe itself when absent. */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /** Stripe API calls per second allowed across every process (workers and api together). @defaultValue 25 */
  STRIPE_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(25),
  /** Share of that limit reserved for the api's own calls (checkout, portal, sync); workers get the rest. @defaultValue 0.2 */
  STRIPE_API_RATE_SHARE: z.coerce.number().min(0.05).max(0.95).default(0.2),
  /** Retries of one Stripe call after a 429, 409, 5xx or a dropped connection, before its job's own retry takes over. @defaultValue 3 */
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** First wait between retries of one Stripe call in ms (doubles, with jitter). @defaultValue 500 */
  STRIPE_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /** Longest wait between retries of one Stripe call in ms; a longer `Retry-After` is left to the job's retry. @defaultValue 5000 */
  STRIPE_RETRY_MAX_MS: z.coerce.number().int().min(1).max(300_000).default(5000),
  /** Path of the operator's catalog file (JSON). */
  CATALOG_FILE: z.string().min(1).optional(),
  /** Hours a past_due subscription keeps access, from when it was first seen past due. @defaultValue 72 */
  PAST_DUE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 90).default(72),
  /** What a dispute on the charge paying a subscription's latest invoice does to access: `revoke_on_open` (from the dispute or inquiry being opened until it is won), `revoke_on_lost` (only once lost), `ignore`. A dispute won restores access. @defaultValue revoke_on_open */
  DISPUTE_POLICY: z.enum(['revoke_on_open', 'revoke_on_lost', 'ignore']).default('revoke_on_open'),
  /** Redis TTL of cached entitlements, never past the next change. @defaultValue 300 */
  ENTITLEMENT_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Redis TTL of a reference's invalidation epoch, renewed at each invalidation; must outlast any read in flight. @defaultValue 604800 (7 days) */
  ENTITLEMENT_EPOCH_TTL_SECONDS: z.coerce.number().int().min(60).max(365 * 86_400).default(7 * 86_400),
  /** How long a verified API key stays cached in-process (a revoked key stops within this). @defaultValue 30 */
  API_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  /** Write the JSON log lines to this file instead of stdout (the directory is created). @defaultValue stdout */
  LOG_FILE: z.string().min(1).optional(),
  /** Jobs each worker process runs at once. @defaultValue 10 */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  /** Attempts with doubling backoff; a permanent failure is dead-lettered at once, a transient one keeps retrying (see JOB_RETRY_HORIZON_HOURS). @defaultValue 8 */
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay in ms; doubles each attempt, with jitter, up to JOB_BACKOFF_MAX_MS. @defaultValue 1000 */
  JOB_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  /** Longest delay between two attempts of a job in ms. @defaultValue 300000 (5 minutes) */
  JOB_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(3_600_000).default(300_000),
  /** How long after its creation a job keeps retrying transient failures (Stripe or Postgres down) before it is dead-lettered; Stripe itself retries webhooks for 3 days. @defaultValue 72 */
  JOB_RETRY_HORIZON_HOURS: z.coerce.number().min(0).max(24 * 30).default(72),
  /** A job not heartbeating for this long is stalled (its worker died) and runs again elsewhere. @defaultValue 30000 */
  JOB_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** How often each worker re-enqueues inbox rows that have no job. @defaultValue 15000 */
  RELAY_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** Inbox rows unfinished for this long without a job are re-enqueued by the relay. @defaultValue 30 */
  RELAY_AFTER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  /** Days processed inbox rows are kept. @defaultValue 30 */
  INBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Cron of the inbox prune (rows past INBOX_RETENTION_DAYS). @defaultValue nightly at 04:41 */
  INBOX_PRUNE_CRON: z.string().min(9).default('41 4 * * *'),
  /** How often a worker records the grant expiries that passed (a maintenance job; reads honour expiries without it). @defaultValue 60000 */
  GRANT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** How long the webhook handler waits for Redis to take an event's job before answering 200 anyway (the relay enqueues it later). @defaultValue 1500 */
  WEBHOOK_ENQUEUE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1500),
  /** Largest accepted webhook body in bytes. @defaultValue 2 MiB */
  WEBHOOK_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** A webhook body not fully received within this many ms is answered 408 and its connection closed. @defaultValue 10000 */
  WEBHOOK_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Hard limit for a graceful shutdown, below PM2's kill_timeout. @defaultValue 8000 */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8000),
  /** How long a stopping api keeps accepting after `/readyz` turned 503, so a balancer that polls readiness stops sending first. @defaultValue 0 */
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** `migrate` refuses a migration that would hold a table lock longer than this (estimated from the table's size), unless `--allow-long-locks`. @defaultValue 5000 */
  MIGRATION_MAX_LOCK_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  /** Cron of the scheduled reconciliation. @defaultValue nightly at 03:17 */
  RECONCILE_CRON: z.string().min(9).default('17 3 * * *'),
  /** Cron of the scheduled events catch-up (events Stripe has that the inbox never received). @defaultValue every 10 minutes */
  CATCH_UP_CRON: z.string().min(9).default('*/10 * * * *'),
  /** Schedule reconciliation and catch-up (and a catch-up at worker start). @defaultValue true, false when NODE_ENV=test */
  RECONCILE_SCHEDULES: bool.optional(),
  /** How long `POST /v1/customers/:ref/sync` waits for Stripe before answering 504. @defaultValue 10000 */
  SYNC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** `POST /v1/customers/:ref/sync` calls per API key per minute, sustained (each costs Stripe calls). @defaultValue 60 */
  SYNC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** `POST /v1/customers/:ref/sync` calls one API key may make at once above the sustained rate. @defaultValue 10 */
  SYNC_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000).default(10),
  /** When a plan change to a plan costing more per day applies (`now`, prorated; or `period_end`); a request's `apply` overrides it. @defaultValue now */
  PLAN_UPGRADE_APPLIES: z.enum(['now', 'period_end']).default('now'),
  /** When a plan change to a plan costing less per day applies; `period_end` goes through a subscription schedule. @defaultValue period_end */
  PLAN_DOWNGRADE_APPLIES: z.enum(['now', 'period_end']).default('period_end'),
  /** Largest quantity accepted for a checkout. @defaultValue 1000 */
  CHECKOUT_MAX_QUANTITY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** What Stripe does when a trial that began without a payment method ends without one: `pause` the subscription (no access until the customer adds one and it is resumed) or `cancel` it. @defaultValue pause */
  CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD: z.enum(['pause', 'cancel']).default('pause'),
  /** Stripe Tax on checkout: `automatic_tax`, tax id collection and a required billing address. @defaultValue false */
  CHECKOUT_AUTOMATIC_TAX: bool.default(false),
  /** Mark the admin session cookie `Secure` (sent over HTTPS only); behind a TLS proxy the api itself sees plain HTTP. @defaultValue true when NODE_ENV=production, else only for requests that arrived over TLS */
  COOKIE_SECURE: bool.optional(),
  /** When set, checkout and portal act only for the user named by a short-lived `X-User-Token` signed with this secret (HMAC-SHA256). @defaultValue unset: a write key may act for any user */
  USER_TOKEN_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  /** Trust X-Forwarded-* from a proxy in front of the api. @defaultValue false */
  TRUST_PROXY: bool.default(false),
  /** Hours the change log keeps events for stream clients resuming with Last-Event-ID (at least 24). @defaultValue 24 */
  STREAM_RETENTION_HOURS: z.coerce.number().int().min(24).max(24 * 30).default(24),
  /** Seconds between heartbeat comments on an idle event stream. @defaultValue 15 */
  STREAM_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(15),
  /** Bytes a stream client may leave unread before it is cut off (it resumes with Last-Event-ID). @defaultValue 1 MiB */
  STREAM_MAX_BUFFER_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Width in seconds of the windows usage is summed over before it is sent to Stripe Billing Meters (one meter event per customer, meter and window); must divide a day into whole minutes. @defaultValue 3600 */
  METER_EXPORT_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).refine((value) => 86_400 % value === 0 && value % 60 === 0, 'must divide a day into whole minutes (60, 300, 900, 3600, 86400, …)').default(3600),
  /** How often workers look for closed usage windows to send to Stripe, in seconds. @defaultValue 60 */
  METER_EXPORT_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Meter events per second sent to Stripe across every worker. Live mode allows 1,000 on this endpoint apart from the other limits; a sandbox counts them against its 25. @defaultValue 25 */
  METER_EVENTS_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(25),
  /** Allow webhook endpoints on loopback and private addresses (development only). @defaultValue false */
  WEBHOOK_ALLOW_PRIVATE_URLS: bool.default(false),
  /** Attempts of one outbound webhook delivery before it is dead-lettered. @defaultValue 13 (about 68 hours with the default backoff) */
  WEBHOOK_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(13),
  /** First retry delay of an outbound webhook delivery in ms; doubles each attempt, with jitter. @defaultValue 60000 */
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(60_000),
  /** How long one outbound webhook request may take. @defaultValue 10000 */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

/** A live key moves real money: return URLs must then be https and on an allowed origin. */
const schema = fields.superRefine((config, ctx) => {
  if (config.REDIS_SENTINELS && !config.REDIS_CLUSTER_NODES && !config.REDIS_SENTINEL_NAME) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'is required with REDIS_SENTINELS: the name of the master the Sentinels watch' });
  }
  if (config.REDIS_CLUSTER_NODES && !/\{[^{}]+\}/.test(config.REDIS_PREFIX)) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_PREFIX'], message: 'needs a hash tag such as {billing} with REDIS_CLUSTER_NODES: each queue\'s keys must share one cluster slot' });
  }
  for (const shard of (config.QUEUE_SHARDS_CONSUMED ?? []).map(Number)) {
    if (shard >= config.QUEUE_SHARDS) ctx.addIssue({ code: 'custom', path: ['QUEUE_SHARDS_CONSUMED'], message: `names shard ${shard}, but QUEUE_SHARDS is ${config.QUEUE_SHARDS} (shards 0 to ${config.QUEUE_SHARDS - 1})` });
  }
  if (/^(sk|rk)_live_/.test(config.STRIPE_SECRET_KEY) && !config.RETURN_URL_ORIGINS) {
    ctx.addIssue({ code: 'custom', path: ['RETURN_URL_ORIGINS'], message: 'is required with a live Stripe key: the origins checkout and portal may return to' });
  }
});

export type Config = Readonly<z.infer<typeof schema>>;

/** Whether the service talks to Stripe in live mode (a `sk_live_…` or `rk_live_…` key). */
export function isLiveMode(config: Pick<Config, 'STRIPE_SECRET_KEY'>): boolean {
  return /^(sk|rk)_live_/.test(config.STRIPE_SECRET_KEY);
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses a configuration from an environment-like record; throws {@link ConfigError} naming every bad key. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  // Checked apart from the schema, so a missing Redis is named even when other keys are bad too.
  const missing = cleaned.REDIS_URL || cleaned.REDIS_CLUSTER_NODES || cleaned.REDIS_SENTINELS ? [] : ['REDIS_URL: is required unless REDIS_CLUSTER_NODES or REDIS_SENTINELS is set'];
  if (!result.success || missing.length > 0) {
    const issues = (result.error?.issues ?? []).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError([...missing, ...issues.filter((issue) => !missing.length || !issue.startsWith('REDIS_URL:'))]);
  }
  return Object.freeze(result.data);
}

/** Names of every setting, for documentation and tests. */
export const configKeys = Object.freeze(Object.keys(fields.shape));

/** The settings a command needs when it only talks to the database (`keys`, `migrate`). */
export type DatabaseConfig = Readonly<Pick<Config, 'NODE_ENV' | 'DATABASE_URL' | 'MIGRATION_MAX_LOCK_MS'>>;

/** Parses only the database settings: commands that never call Stripe or Redis do not need theirs. */
export function parseDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = fields.pick({ NODE_ENV: true, DATABASE_URL: true, MIGRATION_MAX_LOCK_MS: true }).safeParse(cleaned);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  return Object.freeze(result.data);
}

/**
 * The process environment, with the settings of a `KEY=value` file (what `npm run local` writes to
 * `.local/env`) filling what the environment leaves unset. The file is ignored under
 * NODE_ENV=test, so a developer's local run never leaks into a test.
 */
export function environmentWithFile(file: string | undefined): Record<string, string | undefined> {
  if (!file || process.env.NODE_ENV === 'test' || !existsSync(file)) return process.env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...process.env };
}

/** Prints a configuration problem without a stack and exits 78, as {@link loadConfigOrExit} does. */
export function parseOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    return exitOnConfigError(error);
  }
}

let loaded: Config | undefined;

/** The process's configuration, parsed from `process.env` on first use. */
export function loadConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}

/** Entry points call this: a bad configuration prints every bad key and exits 78 (EX_CONFIG). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    return exitOnConfigError(error);
  }
}

/**
 * Start-up failure handler: a configuration problem (bad key, unreadable or invalid catalog file)
 * prints its message without a stack and exits 78 (EX_CONFIG), so the process manager's log says
 * why; anything else is rethrown.
 */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}

/** The script this process was started for: PM2 runs scripts through a wrapper and names the real one in `pm_exec_path`. */
export function entryScript(): string | undefined {
  return process.env.pm_exec_path ?? process.argv[1];
}
