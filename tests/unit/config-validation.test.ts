import test from 'ava';
import { ConfigError, configKeys, parseConfig } from '../../shared/infra/config.js';

const valid = {
  DATABASE_URL: 'postgres://u@localhost:5432/billing',
  REDIS_URL: 'redis://localhost:6379',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_one',
};

test('a valid environment parses with the documented defaults', (t) => {
  const config = parseConfig(valid);
  t.is(config.PORT, 3000);
  t.is(config.ENTITLEMENT_CACHE_TTL_SECONDS, 300);
  t.is(config.PAST_DUE_GRACE_HOURS, 72);
  t.is(config.REDIS_PREFIX, '{billing}');
  t.deepEqual(config.STRIPE_WEBHOOK_SECRET, ['whsec_one']);
  t.is(config.STRIPE_API_BASE, undefined);
});

test('the configuration is frozen', (t) => {
  const config = parseConfig(valid);
  t.true(Object.isFrozen(config));
  t.throws(() => { (config as { PORT: number }).PORT = 1; });
});

test('webhook secrets are a comma-separated list, for rotation', (t) => {
  const config = parseConfig({ ...valid, STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' });
  t.deepEqual(config.STRIPE_WEBHOOK_SECRET, ['whsec_new', 'whsec_old']);
});

test('every bad or missing key is named in one error', (t) => {
  const error = t.throws(() => parseConfig({
    DATABASE_URL: 'mysql://nope',
    PORT: 'eighty',
    STRIPE_SECRET_KEY: 'pk_test_wrongkind',
    STRIPE_WEBHOOK_SECRET: 'whsec_ok,not_a_secret',
    STRIPE_API_BASE: 'ftp://x',
    ENTITLEMENT_CACHE_TTL_SECONDS: '0',
    LOG_LEVEL: 'loud',
    WORKER_CONCURRENCY: '-1',
  }), { instanceOf: ConfigError });
  const named = new Set(error.issues.map((issue) => issue.split(/[.:]/)[0]));
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'ENTITLEMENT_CACHE_TTL_SECONDS', 'LOG_LEVEL', 'WORKER_CONCURRENCY']) {
    t.true(named.has(key), `${key} should be named in: ${error.message}`);
  }
  t.false(named.has('METRICS_PORT'));
});

test('empty strings count as unset, so defaults apply', (t) => {
  t.is(parseConfig({ ...valid, PORT: '' }).PORT, 3000);
});

test('configKeys lists at least the documented settings', (t) => {
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'CATALOG_FILE', 'PAST_DUE_GRACE_HOURS', 'ENTITLEMENT_CACHE_TTL_SECONDS', 'LOG_LEVEL', 'WORKER_CONCURRENCY', 'METRICS_PORT']) {
    t.true(configKeys.includes(key), key);
  }
});
