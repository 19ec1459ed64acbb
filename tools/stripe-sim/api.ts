import express, { type Request, type Response } from 'express';
import type { SimContext } from './context.js';
import { SimError } from './errors.js';
import { simApiVersion } from './events.js';
import { expand } from './expand.js';
import { decodeForm, type FormObject } from './form.js';
import type { IdempotencyCache} from './idempotency.js';
import { type StoredResponse } from './idempotency.js';
import { optStrings } from './params.js';

export interface ApiRequest {
  params: Record<string, string>;
  /** Decoded form body (POST) or query string (GET, DELETE). */
  body: FormObject;
}

export type ApiHandler = (request: ApiRequest) => unknown;

/** How resource modules declare their endpoints. */
export interface ApiRoutes {
  get(path: string, handler: ApiHandler): void;
  post(path: string, handler: ApiHandler): void;
  delete(path: string, handler: ApiHandler): void;
}

export interface ApiOptions {
  /** When set, only this secret key is accepted; otherwise any `sk_test_…`/`rk_test_…` key. */
  apiKey?: string;
  idempotency: IdempotencyCache;
}

function rawQuery(request: Request): string {
  const at = request.originalUrl.indexOf('?');
  return at < 0 ? '' : request.originalUrl.slice(at + 1);
}

function authenticate(request: Request, apiKey: string | undefined): void {
  const header = request.header('authorization') ?? '';
  const key = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (key === '') {
    throw new SimError(401, 'authentication_error',
      'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').');
  }
  const valid = apiKey === undefined ? /^(sk|rk)_test_\w+$/.test(key) : key === apiKey;
  if (!valid) throw new SimError(401, 'authentication_error', `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`);
}

function errorResponse(error: unknown): StoredResponse {
  if (error instanceof SimError) return { status: error.status, body: error.toBody() };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: { type: 'api_error', message: `Simulator error: ${message}` } } };
}

/**
 * The `/v1` API as an Express router: Bearer auth, idempotent
 * POSTs, form-encoded parameters, `expand[]`, and Stripe-shaped errors.
 */
export function createApiRouter(ctx: SimContext, options: ApiOptions, register: (routes: ApiRoutes) => void): express.Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: '1mb' }));

  const handle = (method: 'get' | 'post' | 'delete', path: string, handler: ApiHandler): void => {
    router[method](path, (request: Request, response: Response) => {
      const requestId = ctx.ids.next('req');
      response.setHeader('Request-Id', requestId);
      response.setHeader('Stripe-Version', request.header('stripe-version') ?? simApiVersion);
      const raw = method === 'post' ? (typeof request.body === 'string' ? request.body : '') : rawQuery(request);
      const key = method === 'post' ? request.header('idempotency-key') : undefined;
      const fingerprint = `${method} ${request.path} ${raw}`;
      let result: StoredResponse;
      try {
        authenticate(request, options.apiKey);
        const replay = key === undefined ? undefined : options.idempotency.lookup(key, fingerprint);
        if (replay) {
          response.setHeader('Idempotent-Replayed', 'true');
          response.status(replay.status).json(replay.body);
          return;
        }
        const body = decodeForm(raw);
        const params = request.params as Record<string, string>;
        const value = ctx.events.withRequest({ id: requestId, idempotencyKey: key ?? null }, () => handler({ params, body }));
        result = { status: 200, body: expand(ctx, structuredClone(value), optStrings(body, 'expand') ?? []) };
      } catch (error) {
        result = errorResponse(error);
      }
      if (key !== undefined && result.status < 500 && result.status !== 429 && result.status !== 401) {
        options.idempotency.store(key, fingerprint, result);
        response.setHeader('Idempotency-Key', key);
      }
      response.status(result.status).json(result.body);
    });
  };

  register({
    get: (path, handler) => handle('get', path, handler),
    post: (path, handler) => handle('post', path, handler),
    delete: (path, handler) => handle('delete', path, handler),
  });
  router.use((request: Request, response: Response) => {
    const error = new SimError(404, 'invalid_request_error',
      `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
    response.status(404).json(error.toBody());
  });
  return router;
}
