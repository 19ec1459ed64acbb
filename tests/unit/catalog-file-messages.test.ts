import test from 'ava';
import { CatalogFileError, parseCatalogFile, type CatalogFileIssue } from '../../shared/domain/index.js';

/** The issues parsing `text` reports (any other outcome fails the test). */
function issuesOf(text: string): readonly CatalogFileIssue[] {
  try {
    parseCatalogFile(text);
  } catch (error) {
    if (error instanceof CatalogFileError) return error.issues;
    throw error;
  }
  throw new Error('expected parseCatalogFile to throw');
}

const lines = (...rows: string[]): string => rows.join('\n');
const expected = '(expected true, a number or "quantity")';
const matchReason = 'must be exactly one of {"lookup_key": …}, {"price": …} or {"product": …} with a non-empty string';

test('a feature value of the wrong JSON type is described by its type', (t) => {
  t.deepEqual(issuesOf('{ "plans": [ { "match": { "price": "p" }, "features": { "a": [1], "b": { "x": 1 }, "c": "seat" } } ] }'), [
    { line: 1, reason: `feature "a" has unknown value type array ${expected}` },
    { line: 1, reason: `feature "b" has unknown value type object ${expected}` },
    { line: 1, reason: `feature "c" has unknown value type "seat" ${expected}` },
  ]);
});

test('a plan or a feature map of the wrong type says what it must be', (t) => {
  t.deepEqual(issuesOf('{ "plans": [5] }'), [{ line: 1, reason: 'plans[0]: must be an object with "match" and "features"' }]);
  t.deepEqual(issuesOf('{ "plans": [ { "match": { "price": "p" }, "features": 5 } ] }'), [{ line: 1, reason: 'plans[0].features: must be an object of feature → value' }]);
});

test('several unknown keys of one plan are named together, at the line of the first', (t) => {
  t.deepEqual(issuesOf(lines('{ "plans": [', '  { "match": { "price": "p" }, "features": {},', '    "feature": {}, "extra": 1 }', '] }')), [
    { line: 3, reason: 'plans[0]: unknown keys "feature", "extra"' },
  ]);
});

test('issues come in line order, not in the order validation finds them', (t) => {
  // Validation reports the plan's bad match before the file's unknown key, which comes first in the file.
  t.deepEqual(issuesOf(lines('{', '  "extra": 1,', '  "plans": [', '    { "match": {}, "features": {} }', '  ]', '}')), [
    { line: 2, reason: 'file: unknown key "extra"' },
    { line: 4, reason: `plans[0].match: ${matchReason}` },
  ]);
});

test('lines stay right with a trailing newline, leading blank lines and spaced empty containers', (t) => {
  t.deepEqual(issuesOf(`${lines('{ "plans": [', '  { "match": { "price": "p" }, "features": { "seats": "seat" } }', '] }')}\n`), [
    { line: 2, reason: `feature "seats" has unknown value type "seat" ${expected}` },
  ]);
  t.deepEqual(issuesOf('\n\n[]'), [{ line: 3, reason: 'file: must be an object with "plans"' }]);
  t.deepEqual(issuesOf(lines('{ "plans": [', '  { "match": { "price": "p" }, "features": { } },', '  { "match": { }, "features": [ ] }', '] }')), [
    { line: 3, reason: `plans[1].match: ${matchReason}` },
    { line: 3, reason: 'plans[1].features: must be an object of feature → value' },
  ]);
});

test('a JSON syntax error keeps the reason and drops the echo of the input', (t) => {
  t.deepEqual(issuesOf('{"plans": }'), [{ line: 1, reason: "invalid JSON: Unexpected token '}'" }]);
});
