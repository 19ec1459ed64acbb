import test from 'ava';
import { CatalogFileError, parseCatalogFile } from '../../shared/domain/index.js';

const lines = (...rows: string[]): string => rows.join('\n');

test('the features section declares metered features, with reset and overage defaults', (t) => {
  const file = parseCatalogFile(lines(
    '{ "features": {',
    '    "api_calls": { "metered": true, "reset": "month", "overage": "cap", "rollover": { "max": 5000, "expires_after_days": 7 }, "stripe_meter": "api_calls" },',
    '    "tokens": { "metered": true }',
    '  },',
    '  "plans": [ { "match": { "lookup_key": "pro" }, "features": { "api_calls": 10000, "tokens": 50 } } ] }',
  ));
  t.deepEqual(file.features, {
    api_calls: { metered: true, reset: 'month', overage: 'cap', rollover: { max: 5000, expires_after_days: 7 }, stripe_meter: 'api_calls' },
    tokens: { metered: true, reset: 'billing_period', overage: 'reject' },
  });
});

test('a bad features section names the line and path of every problem', (t) => {
  const error = t.throws(() => parseCatalogFile(lines(
    '{ "features": {',
    '    "api_calls": { "metered": true,',
    '      "reset": "hourly",',
    '      "overage": "maybe", "rollover": { "max": -1 }, "stripe_meter": "no spaces allowed", "extra": 1 },',
    '    "seats": 5,',
    '    "forever": { "metered": true, "reset": "never", "rollover": { "max": 1 } }',
    '  },',
    '  "plans": [] }',
  )), { instanceOf: CatalogFileError });
  t.deepEqual(error.issues.map((issue) => `${issue.line}: ${issue.reason}`), [
    '3: features.api_calls.reset: must be one of "billing_period", "month", "week", "day", "never"',
    '4: features.api_calls.overage: must be one of "reject", "allow", "cap"',
    '4: features.api_calls.rollover.max: must be a non-negative integer',
    '4: features.api_calls.stripe_meter: must be a Stripe meter event name (1–100 letters, digits and _ . : -)',
    '4: features.api_calls: unknown key "extra"',
    '5: features.seats: must be an object with "metered"',
    '6: features.forever.rollover: rollover needs a reset interval other than "never"',
  ]);
});

test('a features section that is not an object is refused', (t) => {
  const error = t.throws(() => parseCatalogFile('{ "features": [], "plans": [] }'), { instanceOf: CatalogFileError });
  t.is(error.message, 'catalog line 1: features: must be an object of feature → metering policy');
});
