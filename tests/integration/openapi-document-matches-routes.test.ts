import test from 'ava';
import { createApp } from '../../api/app.js';
import { openApiDocument } from '../../api/openapi/document.js';
import { startServices } from '../support/services.js';
import { keyFor, pro, read, seedCustomer } from './entitlements-fixtures.js';

interface RouteLike { path: unknown; methods: Record<string, boolean> }
interface LayerLike { route?: RouteLike; rawPath?: unknown; handle?: { stack?: LayerLike[] } }

/** Every `METHOD path` the Express 5 app routes (router 2: `layer.route`, mounted routers under `layer.handle.stack`). */
function appRoutes(stack: LayerLike[], base = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      if (typeof layer.route.path !== 'string') throw new Error(`unsupported route path ${String(layer.route.path)}`);
      const path = `${base}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).filter((method) => method !== '_all').map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return appRoutes(layer.handle.stack, `${base}${mount}`);
    }
    return [];
  });
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
}

type Schema = Record<string, unknown>;

/** A small JSON Schema check for the keywords the document uses: $ref, type, const, enum, required, properties, items, oneOf. */
function problems(value: unknown, schema: Schema, at = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = openApiDocument.components.schemas[name];
    return target ? problems(value, target, at) : [`${at}: unknown $ref ${schema.$ref}`];
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((option) => problems(value, option, at).length === 0);
    return matching.length === 1 ? [] : [`${at}: matches ${matching.length} of oneOf`];
  }
  const found: string[] = [];
  if ('const' in schema && value !== schema.const) found.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) found.push(`${at}: not in enum`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (!types.some((type) => type === actual || (type === 'integer' && Number.isInteger(value)))) return [`${at}: ${actual} is not ${types.join('|')}`];
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in record)) found.push(`${at}.${key}: missing`);
    for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (key in record) found.push(...problems(record[key], sub, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, index) => found.push(...problems(item, schema.items as Schema, `${at}[${index}]`)));
  return found;
}

const responseSchema = (path: string, status: string): Schema => {
  const response = openApiDocument.paths[path]?.get?.responses[status];
  if (!response) throw new Error(`no ${status} for ${path}`);
  const resolved = '$ref' in response ? openApiDocument.components.responses[response.$ref.replace('#/components/responses/', '')] : response;
  return resolved.content!['application/json'].schema;
};

test('every route of the app is documented with its methods, and every documented route exists', async (t) => {
  const { api } = await startServices(t);
  const app = createApp(api.context);
  const routes = appRoutes((app.router as unknown as { stack: LayerLike[] }).stack);
  t.true(routes.includes('GET /v1/customers/{ref}/entitlements'), 'the walk finds routes');
  t.deepEqual([...new Set(routes)].sort(), documentedRoutes().sort());
});

test('the document is served without authentication at /openapi.json and says what matters', async (t) => {
  const { url } = await startServices(t);
  const response = await fetch(`${url}/openapi.json`);
  t.is(response.status, 200);
  const document = (await response.json()) as typeof openApiDocument;
  t.deepEqual(document, JSON.parse(JSON.stringify(openApiDocument)));
  t.is(document.openapi, '3.1.0');
  t.deepEqual(document.components.securitySchemes.bearer, { ...document.components.securitySchemes.bearer, type: 'http', scheme: 'bearer' });
  t.regex(document.info.description, /API_KEY_CACHE_TTL_SECONDS/);
  t.regex(document.paths['/v1/customers/{ref}/entitlements'].get!.description!, /unknown customer is not an error.*200.*customer: null.*empty/s);
  const refs = JSON.stringify(document).match(/#\/components\/\w+\/\w+/g) ?? [];
  for (const ref of new Set(refs)) {
    const [, , kind, name] = ref.split('/');
    t.truthy((document.components as Record<string, Record<string, unknown>>)[kind]?.[name], `${ref} resolves`);
  }
});

test('real responses of the entitlement routes match the documented schemas', async (t) => {
  const { url, api } = await startServices(t);
  const customer = await seedCustomer(api.context.db, [pro, { feature: 'seats', value: 4, sources: [{ kind: 'grant', id: 'g1' }], expires_at: '2099-01-01T00:00:00.000Z' }]);
  const key = await keyFor(api.context.db);
  const list = '/v1/customers/{ref}/entitlements';
  const one = '/v1/customers/{ref}/entitlements/{feature}';
  const checks: [string, string, string, string | undefined][] = [
    [`/v1/customers/${customer.stripeId}/entitlements`, list, '200', key],
    ['/v1/customers/cus_unknown/entitlements', list, '200', key],
    [`/v1/customers/${customer.userId}/entitlements/seats`, one, '200', key],
    [`/v1/customers/${customer.userId}/entitlements/absent`, one, '200', key],
    ['/v1/customers/bad%20ref/entitlements', list, '400', key],
    ['/v1/customers/cus_x/entitlements', list, '401', undefined],
    ['/v1/customers/cus_x/entitlements/pro', one, '403', await keyFor(api.context.db, 'write')],
  ];
  for (const [path, documented, status, auth] of checks) {
    const response = await read(url, path, auth);
    t.is(String(response.status), status, path);
    t.deepEqual(problems(await response.json(), responseSchema(documented, status)), [], path);
  }
  t.notDeepEqual(problems({ customer: null, entitlements: [{ feature: 'x' }] }, responseSchema(list, '200')), [], 'the check can fail');
});
