import test from 'ava';
import { Collection } from '../../tools/stripe-sim/collection.js';
import { paginate } from '../../tools/stripe-sim/list.js';

interface Item { id: string; owner: string; n: number }

const ids = (items: readonly Item[]) => items.map((item) => item.id);
const make = (count: number) => {
  const collection = new Collection<Item>((item) => item.owner);
  for (let n = 0; n < count; n += 1) collection.set(`it_${n}`, { id: `it_${n}`, owner: `own_${n % 3}`, n });
  return collection;
};
/** The same page computed the obvious way: copy, filter, slice. */
const expected = (collection: Collection<Item>, matches: (item: Item) => boolean) => [...collection.values()].reverse().filter(matches);

test('a collection is read newest first by position, and a group holds only its key, newest first', (t) => {
  const collection = make(10);
  const view = collection.newestFirst();
  t.is(view.length, 10);
  t.is(view.at(0).id, 'it_9');
  t.is(view.at(9).id, 'it_0');
  t.is(view.indexOf('it_9'), 0);
  t.is(view.indexOf('it_2'), 7);
  t.is(view.indexOf('it_missing'), -1);
  t.deepEqual(ids(collection.group('own_1')), ['it_7', 'it_4', 'it_1']);
  t.deepEqual(collection.group('own_none'), []);
});

test('delete, clear and a replaced object with another group key leave the indexes right', (t) => {
  const collection = make(6);
  collection.delete('it_4');
  t.deepEqual(ids(collection.group('own_1')), ['it_1']);
  t.is(collection.newestFirst().indexOf('it_5'), 0);
  t.is(collection.newestFirst().indexOf('it_3'), 1);
  collection.set('it_3', { id: 'it_3', owner: 'own_2', n: 3 });
  t.deepEqual(ids(collection.group('own_2')), ['it_5', 'it_3', 'it_2']);
  t.deepEqual(ids(collection.group('own_0')), ['it_0']);
  collection.set('it_3', { id: 'it_3', owner: 'own_2', n: 33 });
  t.is(collection.group('own_2')[1]?.n, 33, 'a replaced object is read, not the old one');
  collection.clear();
  t.is(collection.newestFirst().length, 0);
  t.deepEqual(collection.group('own_2'), []);
  collection.set('it_new', { id: 'it_new', owner: 'own_2', n: 0 });
  t.deepEqual(ids(collection.group('own_2')), ['it_new']);
  t.is(collection.newestFirst().indexOf('it_new'), 0);
});

test('paging a filtered collection gives what copying, filtering and slicing gives, in both directions', (t) => {
  const collection = make(250);
  const even = (item: Item) => item.n % 2 === 0;
  const all = expected(collection, even);
  for (const limit of ['1', '7', '100']) {
    const size = Number(limit);
    // Forward through every page.
    let seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = paginate(collection.newestFirst(), cursor === undefined ? { limit } : { limit, starting_after: cursor }, '/v1/items', even);
      seen = [...seen, ...ids(page.data)];
      t.is(page.has_more, seen.length < all.length, `has_more after ${seen.length} (limit ${limit})`);
      if (!page.has_more) break;
      cursor = page.data.at(-1)?.id;
    }
    t.deepEqual(seen, ids(all));
    // Backwards from a cursor: the page right before it, newest first.
    const pivot = all[120];
    const back = paginate(collection.newestFirst(), { limit, ending_before: pivot.id }, '/v1/items', even);
    t.deepEqual(ids(back.data), ids(all.slice(Math.max(0, 120 - size), 120)));
    t.is(back.has_more, 120 - size > 0);
  }
  const odd = collection.get('it_3') as Item;
  t.throws(() => paginate(collection.newestFirst(), { starting_after: odd.id }, '/v1/items', even), { message: /it_3/ }, 'a cursor the filter excludes names no listed object');
});
