import test from 'ava';
import { CatalogFileError, parseCatalogFile } from '../../shared/domain/index.js';

/** The CatalogFileError that parsing `text` throws (any other outcome fails the test). */
function errorOf(text: string): CatalogFileError {
  try {
    parseCatalogFile(text);
  } catch (error) {
    if (error instanceof CatalogFileError) return error;
    throw error;
  }
  throw new Error('expected parseCatalogFile to throw');
}

const lines = (...rows: string[]): string => rows.join('\n');

test('a valid file parses to its plans, "quantity" included', (t) => {
  const file = parseCatalogFile(
    lines(
      '{ "plans": [',
      '  { "match": { "lookup_key": "pro_monthly" }, "features": { "pro": true, "api_calls": 10000 } },',
      '  { "match": { "price": "price_123" }, "features": { "storage_gb": 0.5 } },',
      '  { "match": { "product": "prod_team" }, "features": { "team": true, "seats": "quantity" } }',
      '] }',
    ),
  );
  t.deepEqual(file, {
    plans: [
      { match: { lookup_key: 'pro_monthly' }, features: { pro: true, api_calls: 10000 } },
      { match: { price: 'price_123' }, features: { storage_gb: 0.5 } },
      { match: { product: 'prod_team' }, features: { team: true, seats: 'quantity' } },
    ],
  });
});

test('an empty plan list and a byte-order mark are accepted', (t) => {
  t.deepEqual(parseCatalogFile('\uFEFF{ "plans": [] }'), { plans: [] });
});

test('an unknown feature value type names its line, feature and value', (t) => {
  const error = errorOf(
    lines(
      '{',
      '  "plans": [',
      '    {',
      '      "match": { "product": "prod_team" },',
      '      "features": {',
      '        "team": true,',
      '        "seats": "seat"',
      '      }',
      '    }',
      '  ]',
      '}',
    ),
  );
  t.is(error.message, 'catalog line 7: feature "seats" has unknown value type "seat" (expected true, a number or "quantity")');
  t.is(error.line, 7);
  t.is(error.name, 'CatalogFileError');
  t.true(error instanceof Error);
});

test('false, null, negative and overflowing numbers are rejected with their own reasons', (t) => {
  const error = errorOf(
    lines(
      '{ "plans": [ { "match": { "price": "price_1" }, "features": {',
      '  "a": false,',
      '  "b": null,',
      '  "c": -1,',
      '  "d": 1e400',
      '} } ] }',
    ),
  );
  t.deepEqual(error.issues, [
    { line: 2, reason: 'feature "a" is false (expected true, a number or "quantity"); remove the feature instead' },
    { line: 3, reason: 'feature "b" has unknown value type null (expected true, a number or "quantity")' },
    { line: 4, reason: 'feature "c" has invalid number -1 (expected a non-negative finite number)' },
    { line: 5, reason: 'feature "d" has invalid number Infinity (expected a non-negative finite number)' },
  ]);
  t.is(error.message.split('\n').length, 4);
  t.true(error.message.startsWith('catalog line 2: feature "a" is false'));
});

test('a match with two keys or none is rejected at the match line', (t) => {
  const error = errorOf(
    lines(
      '{ "plans": [',
      '  { "match": { "lookup_key": "pro", "price": "price_1" }, "features": {} },',
      '  { "match": {}, "features": {} }',
      '] }',
    ),
  );
  t.deepEqual(
    error.issues.map((issue) => issue.line),
    [2, 3],
  );
  t.regex(error.issues[0].reason, /^plans\[0\]\.match: must be exactly one of/);
  t.regex(error.issues[1]?.reason ?? '', /^plans\[1\]\.match: must be exactly one of/);
});

test('a missing key names the plan line', (t) => {
  const error = errorOf(lines('{ "plans": [', '  { "features": {} },', '  { "match": { "price": "p" } }', '] }'));
  t.deepEqual(error.issues, [
    { line: 2, reason: 'plans[0].match: is missing' },
    { line: 3, reason: 'plans[1].features: is missing' },
  ]);
});

test('an unknown key (a typo) names the line of the key', (t) => {
  const error = errorOf(lines('{ "plans": [', '  { "match": { "price": "p" },', '    "feature": {} }', '] }'));
  t.deepEqual(error.issues, [
    { line: 2, reason: 'plans[0].features: is missing' },
    { line: 3, reason: 'plans[0]: unknown key "feature"' },
  ]);
});

test('a file without "plans" or that is not an object is rejected at line 1', (t) => {
  t.is(errorOf('[]').message, 'catalog line 1: file: must be an object with "plans"');
  t.is(errorOf('{}').message, 'catalog line 1: plans: is missing');
  t.is(errorOf('{ "plans": {} }').message, 'catalog line 1: plans: must be an array of plans');
});

test('an empty id or feature name is rejected', (t) => {
  const error = errorOf(lines('{ "plans": [', '  { "match": { "price": "" },', '    "features": { "": true } }', '] }'));
  t.deepEqual(error.issues, [
    { line: 2, reason: 'plans[0].match.price: must be a non-empty string' },
    { line: 3, reason: 'feature names must not be empty' },
  ]);
});

test('a feature named "__proto__" is refused rather than silently dropped', (t) => {
  const error = errorOf('{ "plans": [ { "match": { "price": "p" }, "features": { "__proto__": true } } ] }');
  t.deepEqual(error.issues, [{ line: 1, reason: 'feature "__proto__" is a reserved name' }]);
});

test('a JSON syntax error reported with "line L column C" names that line', (t) => {
  const error = errorOf(lines('{ "plans": [', '  { "match": { "price": "p" } "features": {} }', '] }'));
  t.is(error.message, "catalog line 2: invalid JSON: Expected ',' or '}' after property value");
});

test('a JSON syntax error reported without a position (trailing comma) is located by scanning', (t) => {
  const error = errorOf(lines('{ "plans": [', '  { "match": { "price": "p" }, "features": {} },', '] }'));
  t.is(error.line, 3);
  t.regex(error.message, /^catalog line 3: invalid JSON: Unexpected token/);
  t.false(error.message.includes('is not valid JSON'), 'the input is not echoed');
});

test('an unterminated file names its last line; an empty file names line 1', (t) => {
  t.is(errorOf(lines('{ "plans": [', '  { "match": { "price": "p" }, "features": {} }')).line, 2);
  t.is(errorOf('').message, 'catalog line 1: invalid JSON: Unexpected end of JSON input');
});
