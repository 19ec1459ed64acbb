import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseConfig, type Config } from '../../shared/infra/config.js';
import { testEnvironment } from './environment.js';

export const webhookSecret = 'whsec_test_secret_for_signatures';

/** A configuration for one test: its own database URL and its own Redis prefix (own queues, own cache keys). */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: testEnvironment.redisUrl,
    REDIS_PREFIX: `{t${randomBytes(5).toString('hex')}}`,
    PORT: '0',
    METRICS_PORT: '0',
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    // Under the test command every line goes to a file at debug level, later searched for secrets.
    ...(testEnvironment.logDir ? { LOG_LEVEL: 'debug', LOG_FILE: path.resolve(testEnvironment.logDir, `${process.pid}-${randomBytes(4).toString('hex')}.log`) } : { LOG_LEVEL: 'error' }),
    JOB_BACKOFF_MS: '50',
    JOB_BACKOFF_MAX_MS: '1000',
    JOB_ATTEMPTS: '3',
    // Stripe calls retry as in production, on a faster clock.
    STRIPE_RETRY_BASE_MS: '20',
    STRIPE_RETRY_MAX_MS: '500',
    ...overrides,
  });
}
