import test from 'ava';
import fc from 'fast-check';
import { jsonErrorLine, lineAt, lineOfPath, locateJson } from '../../shared/domain/json-locator.js';

const text = '{\n  "a": [\n    1,\n    2\n  ]\n}';

test('"line L column C" in the message wins', (t) => {
  t.is(jsonErrorLine(text, "Expected ',' or '}' after property value in JSON at position 3 (line 5 column 2)"), 5);
});

test('"position N" alone is converted to a line', (t) => {
  t.is(jsonErrorLine(text, 'Unexpected token } in JSON at position 20'), lineAt(text, 20));
  t.is(lineAt(text, 20), 4);
});

test('a message without a position falls back to scanning the text', (t) => {
  t.is(jsonErrorLine('{\n "a": 1,\n}', "Unexpected token '}', ... is not valid JSON"), 3);
});

test('a message without a position for valid text falls back to line 1', (t) => {
  t.is(jsonErrorLine(text, 'something odd'), 1);
});

test('values are located by path; a missing path falls back to its nearest ancestor', (t) => {
  const located = locateJson(text);
  if (!located.ok) return t.fail('valid JSON must scan');
  t.is(lineOfPath(text, located.offsets, ['a', 1]), 4);
  t.is(lineOfPath(text, located.offsets, ['a', 7, 'x']), 2);
  t.is(lineOfPath(text, located.offsets, []), 1);
});

test('the scanner accepts exactly what JSON.parse accepts on generated JSON', (t) => {
  fc.assert(
    fc.property(fc.json(), fc.nat(), fc.constantFrom('', ',', ']', '}', ':', '"', '\\', 'x', ' '), (json, cut, junk) => {
      t.true(locateJson(json).ok, json);
      const at = cut % (json.length + 1);
      const broken = json.slice(0, at) + junk + json.slice(at);
      let valid = true;
      try {
        JSON.parse(broken);
      } catch {
        valid = false;
      }
      return locateJson(broken).ok === valid;
    }),
  );
});

test('string escapes are scanned like JSON.parse does', (t) => {
  for (const s of ['"\\u00e9"', '"\\uZZZZ"', '"\\q"', '"a\nb"', '"\\"', '"\\\\"', '-0.5e+3', '01', '1.', 'tru']) {
    let valid = true;
    try {
      JSON.parse(s);
    } catch {
      valid = false;
    }
    t.is(locateJson(s).ok, valid, s);
  }
});
