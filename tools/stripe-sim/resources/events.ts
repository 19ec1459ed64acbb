import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { inRange, paginate } from '../list.js';
import { mustGet } from '../ops/lookup.js';
import { optString, optStrings } from '../params.js';

/** `*` in a type filter matches one dotted segment or more, as in `customer.subscription.*`. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('.*')}$`);
  return (type) => regex.test(type);
}

export function eventRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.get('/events/:id', ({ params }) => mustGet(ctx.store.events, params.id ?? '', 'event'));
  routes.get('/events', ({ body }) => {
    const type = optString(body, 'type');
    const types = optStrings(body, 'types');
    const matchers = [...(type === undefined ? [] : [type]), ...(types ?? [])].map(typeMatcher);
    return paginate(ctx.store.events.newestFirst(), body, '/v1/events', (event) =>
      (matchers.length === 0 || matchers.some((matches) => matches(event.type))) && inRange(event.created, body.created));
  });
}
