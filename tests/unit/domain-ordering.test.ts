import test from 'ava';
import { compareStrings, earliest } from '../../shared/domain/compare.js';

test('strings compare by UTF-16 code unit, in both directions, whatever the locale', (t) => {
  t.is(compareStrings('a', 'b'), -1);
  t.is(compareStrings('b', 'a'), 1);
  t.is(compareStrings('a', 'a'), 0);
  t.is(compareStrings('Z', 'a'), -1, 'upper case before lower case');
  t.is(compareStrings('é', 'z'), 1, 'accented letters after ASCII');
  t.deepEqual(['b', 'é', 'B', 'a'].sort(compareStrings), ['B', 'a', 'b', 'é']);
});

test('earliest treats null as never', (t) => {
  const early = new Date('2030-01-01T00:00:00Z');
  const late = new Date('2030-01-02T00:00:00Z');
  t.is(earliest(early, late), early);
  t.is(earliest(late, early), early);
  t.is(earliest(null, late), late);
  t.is(earliest(early, null), early);
  t.is(earliest(null, null), null);
});
