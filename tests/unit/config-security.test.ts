import test from 'ava';
import { ConfigError, parseConfig } from '../../shared/infra/config.js';

const valid = {
  DATABASE_URL: 'postgres://u@localhost:5432/billing',
  REDIS_URL: 'redis://localhost:6379',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_one',
};

const issues = (env: Record<string, string>): string[] => {
  try {
    parseConfig({ ...valid, ...env });
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.issues : [String(error)];
  }
};

test('placeholder secrets from examples are refused at start', (t) => {
  for (const secret of ['whsec_replace_me', 'whsec_', 'whsec_xxxxxxxx', 'whsec_your_signing_secret', 'whsec_real1,whsec_changeme']) {
    t.true(issues({ STRIPE_WEBHOOK_SECRET: secret }).some((issue) => issue.startsWith('STRIPE_WEBHOOK_SECRET') && issue.includes('placeholder')), secret);
  }
  for (const key of ['sk_test_replace_me', 'sk_live_your_key_here']) {
    t.true(issues({ STRIPE_SECRET_KEY: key, RETURN_URL_ORIGINS: 'https://app.example.com' }).some((issue) => issue.startsWith('STRIPE_SECRET_KEY')), key);
  }
  t.deepEqual(issues({ STRIPE_WEBHOOK_SECRET: 'whsec_2Kq9TodoExampleReplace8fJ' }), [], 'placeholder words inside a real secret are fine');
});

test('a live key needs RETURN_URL_ORIGINS; a test key does not', (t) => {
  t.deepEqual(issues({ STRIPE_SECRET_KEY: 'sk_live_abc' }), ['RETURN_URL_ORIGINS: is required with a live Stripe key: the origins checkout and portal may return to']);
  t.deepEqual(issues({ STRIPE_SECRET_KEY: 'rk_live_abc', RETURN_URL_ORIGINS: 'https://app.example.com' }), []);
  t.deepEqual(issues({}), []);
});

test('RETURN_URL_ORIGINS holds origins only, normalised', (t) => {
  t.deepEqual(parseConfig({ ...valid, RETURN_URL_ORIGINS: 'https://App.Example.com, http://localhost:8080/' }).RETURN_URL_ORIGINS, ['https://app.example.com', 'http://localhost:8080']);
  for (const bad of ['https://app.example.com/path', 'https://user:pass@app.example.com', 'ftp://files.example.com', 'app.example.com', 'https://app.example.com?x=1']) {
    t.true(issues({ RETURN_URL_ORIGINS: bad }).some((issue) => issue.startsWith('RETURN_URL_ORIGINS')), bad);
  }
});
