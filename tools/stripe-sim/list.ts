import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from './errors.js';
import type { FormObject } from './form.js';
import { optInt, optString } from './params.js';

/**
 * One page of a Stripe list. `items` are newest first. `starting_after` pages towards older
 * objects, `ending_before` towards newer ones (returning the page right before the cursor).
 */
export function paginate<T extends { id: string }>(items: readonly T[], query: FormObject, url: string): Stripe.ApiList<T> {
  const limit = optInt(query, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest(`Invalid limit: must be between 1 and 100`, 'parameter_invalid_integer', 'limit');
  const startingAfter = optString(query, 'starting_after');
  const endingBefore = optString(query, 'ending_before');
  if (startingAfter && endingBefore) throw invalidRequest('You may only specify one of these parameters: starting_after, ending_before.');
  const indexOf = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw resourceMissing('object', id, param);
    return index;
  };
  let data: T[];
  let hasMore: boolean;
  if (endingBefore) {
    const end = indexOf(endingBefore, 'ending_before');
    const start = Math.max(0, end - limit);
    data = items.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = startingAfter ? indexOf(startingAfter, 'starting_after') + 1 : 0;
    data = items.slice(start, start + limit);
    hasMore = start + limit < items.length;
  }
  return { object: 'list', data, has_more: hasMore, url };
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
