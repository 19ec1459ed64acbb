import test from 'ava';
import { jsonErrorLine, lineAt, lineOfPath, locateJson } from '../../shared/domain/json-locator.js';

test('a syntax error is located at the offending character', (t) => {
  t.deepEqual(locateJson('"a\\x"'), { ok: false, errorOffset: 3 }, 'an unknown escape: at the escaped character');
  t.deepEqual(locateJson('"\\u12G4"'), { ok: false, errorOffset: 3 }, 'a short \\u escape: at its first hex digit');
  t.deepEqual(locateJson('"ab\\'), { ok: false, errorOffset: 4 }, 'a backslash at the end: at the end');
  t.deepEqual(locateJson('{"a": 1 x'), { ok: false, errorOffset: 8 });
});

test('whitespace inside empty containers and after the value is JSON', (t) => {
  for (const text of ['{ }', '[ ]', '{"a": [ ], "b": { }}', '{"a": 1}\n', ' \t\r\n[1] \n']) t.true(locateJson(text).ok, JSON.stringify(text));
});

test('paths whose parts join to the same text are told apart', (t) => {
  const text = '{"ab": 1,\n"a": {"b": 2}}';
  const located = locateJson(text);
  if (!located.ok) return t.fail('valid JSON must scan');
  t.is(lineOfPath(text, located.offsets, ['ab']), 1);
  t.is(lineOfPath(text, located.offsets, ['a', 'b']), 2);
});

test('a newline character belongs to the line it ends', (t) => {
  t.is(lineAt('a\nb', 1), 1);
  t.is(lineAt('a\nb', 2), 2);
  t.is(lineAt('a\nb', 99), 2, 'past the end: the last line');
});

test('"line L column C" is read with a line number of several digits', (t) => {
  const text = Array.from({ length: 20 }, () => '1').join('\n');
  t.is(jsonErrorLine(text, 'Unexpected token at line 12 column 34'), 12);
});
