import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from './errors.js';
import type { FormObject } from './form.js';
import { optInt, optString } from './params.js';
import type { Ordered } from './collection.js';

/**
 * One page of a Stripe list of the `items` that `matches` accepts. `items` are newest first.
 * `starting_after` pages towards older objects, `ending_before` towards newer ones (returning the
 * page right before the cursor). Only the objects from the cursor to the end of the page are
 * visited, so paging through a large collection costs the page, not the collection.
 */
export function paginate<T extends { id: string }>(items: readonly T[] | Ordered<T>, query: FormObject, url: string, matches: (item: T) => boolean = () => true): Stripe.ApiList<T> {
  const limit = optInt(query, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest(`Invalid limit: must be between 1 and 100`, 'parameter_invalid_integer', 'limit');
  const startingAfter = optString(query, 'starting_after');
  const endingBefore = optString(query, 'ending_before');
  if (startingAfter && endingBefore) throw invalidRequest('You may only specify one of these parameters: starting_after, ending_before.');
  const source = isOrdered(items) ? items : orderedArray(items);
  const indexOf = (id: string, param: string): number => {
    const index = source.indexOf(id);
    if (index < 0 || !matches(source.at(index))) throw resourceMissing('object', id, param);
    return index;
  };
  /** Up to limit + 1 matching objects from `from`, walking by `step`: one more than a page tells whether there are more. */
  const collect = (from: number, step: 1 | -1): T[] => {
    const found: T[] = [];
    for (let index = from; index >= 0 && index < source.length && found.length <= limit; index += step) {
      const item = source.at(index);
      if (matches(item)) found.push(item);
    }
    return found;
  };
  const found = endingBefore ? collect(indexOf(endingBefore, 'ending_before') - 1, -1) : collect(startingAfter ? indexOf(startingAfter, 'starting_after') + 1 : 0, 1);
  const data = found.slice(0, limit);
  return { object: 'list', data: endingBefore ? data.reverse() : data, has_more: found.length > limit, url };
}

function isOrdered<T>(items: readonly T[] | Ordered<T>): items is Ordered<T> {
  return !Array.isArray(items);
}

function orderedArray<T extends { id: string }>(items: readonly T[]): Ordered<T> {
  return { length: items.length, at: (index) => items[index], indexOf: (id) => items.findIndex((item) => item.id === id) };
}

/** Values of a map, newest first. */
export function newestFirst<T>(map: Map<string, T>): T[] {
  return [...map.values()].reverse();
}

/** Applies a Stripe range filter (`created[gte]=…` or `created=…`) to a timestamp. */
export function inRange(value: number, range: FormObject[string] | undefined): boolean {
  if (range === undefined) return true;
  if (typeof range === 'string') return value === Number(range);
  if (Array.isArray(range)) return true;
  const bound = (key: string): number | undefined => (typeof range[key] === 'string' ? Number(range[key]) : undefined);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
}
