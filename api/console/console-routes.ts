import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Context } from '../../shared/context.js';
import { refKind } from '../../shared/entitlements/read.js';
import { badRequest, notFound } from '../../shared/errors.js';
import { requireCustomer } from '../../shared/grants/customer-ref.js';
import { createGrant } from '../../shared/grants/create-grant.js';
import { createGrantSchema, revokeGrantSchema } from '../../shared/grants/grant-requests.js';
import { revokeGrant } from '../../shared/grants/revoke-grant.js';
import { syncNow } from '../../shared/sync/sync-now.js';
import { readBalance } from '../../shared/usage/consume.js';
import { meteredFeatures } from '../../shared/usage/metered-features.js';
import type { UsageDeps } from '../../shared/usage/usage-target.js';
import { adjustRequested } from '../admin/routes/balances.js';
import { readCookie, sessionCookie, sessionCookieOptions, type AdminSessions } from '../admin/admin-sessions.js';
import { writeAudit } from '../../shared/audit.js';
import { adminActor } from '../admin/admin-actor.js';
import { openSession } from '../admin/open-session.js';
import { parseInput } from '../admin/parse-input.js';
import { replayEvent } from '../admin/replay-event.js';
import { crossOriginProblem, crossOriginRefused } from '../admin/same-origin.js';
import { toAppError } from '../middleware/error-handler.js';
import type { KeyVerifier } from '../middleware/authenticate.js';
import { consoleAuthentication, viewerOf } from './console-auth.js';
import { adjustFormInput, customerQuery, customersQuery, grantFormInput, noticeOf, returnPath, selectedEvents } from './console-forms.js';
import { requireCsrfToken } from './csrf.js';
import { customerList } from './data/customer-list.js';
import { customerStory } from './data/customer-story.js';
import { consoleBasePath, customerHref } from './layout.js';
import { customerPage } from './pages/customer-page.js';
import { customersPage } from './pages/customers-page.js';
import { errorPage, loginPage } from './pages/login-page.js';
import { eventRoutes } from './routes/events.js';
import { reconciliationRoutes } from './routes/reconciliations.js';
import { revenueRoutes } from './routes/revenue.js';
import { redirectAfter, sendPage } from './send-page.js';

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 300 });


/** The login form and its post: the key is exchanged for the same session cookie `POST /admin/session` sets. */
function loginRoutes(context: Context, verify: KeyVerifier, sessions: AdminSessions): Router {
  const router = Router();
  router.get('/login', (_req, res) => sendPage(res, loginPage()));
  router.post('/login', form, async (req, res) => {
    const crossOrigin = crossOriginProblem(req, true);
    if (crossOrigin) throw crossOriginRefused(crossOrigin);
    const body = req.body as Record<string, unknown> | undefined;
    const key = typeof body?.key === 'string' ? await verify(body.key.trim()) : undefined;
    if (!key) return sendPage(res, loginPage('That is not an active API key.'), 401);
    if (key.scope !== 'admin') return sendPage(res, loginPage(`The console needs a key with scope admin; this key has scope ${key.scope}.`), 403);
    await openSession(context, sessions, key, req, res);
    res.redirect(303, consoleBasePath);
  });
  return router;
}

function customerRoutes(usage: UsageDeps, write: RequestHandler[]): Router {
  const { context } = usage;
  const router = Router();
  const metered = meteredFeatures(context.catalogFile);
  const now = () => new Date();
  const graceHours = context.config.PAST_DUE_GRACE_HOURS;
  const stripeDashboard = `https://dashboard.stripe.com/${/_test_/.test(context.config.STRIPE_SECRET_KEY) ? 'test/' : ''}`;
  router.get('/', async (req, res) => {
    const query = parseInput(customersQuery, req.query, 'query');
    const { data, next_cursor } = await customerList(context.db, query);
    sendPage(res, customersPage(viewerOf(res), { q: query.q, rows: data, nextCursor: next_cursor, graceHours, now: now() }, noticeOf(query.done)));
  });
  router.get('/customers/:ref', async (req, res) => {
    const query = parseInput(customerQuery, req.query, 'query');
    const story = await customerStory(context.db, String(req.params.ref));
    const at = now();
    const ref = story.customer.stripe_customer_id ?? story.customer.user_id ?? '';
    // Live from Redis (rebuilt from the ledger when Redis lost it), as `GET /v1/customers/:ref/balances` serves them.
    const balances = await Promise.all(metered.map((feature) => readBalance(usage, ref, feature, at)));
    sendPage(res, customerPage(viewerOf(res), { story, balances, kind: query.kind, graceHours, now: at, stripeDashboard }, noticeOf(query.done)));
  });
  // The actions call what the JSON admin API calls: createGrant, revokeGrant, syncNow, replayEvent, adjustRequested.
  const grantSchema = createGrantSchema();
  router.post('/customers/:ref/grants', ...write, async (req, res) => {
    const ref = String(req.params.ref);
    await createGrant(context, parseInput(grantSchema, grantFormInput(ref, req.body as Record<string, unknown>), 'body'), adminActor(res));
    const customer = await requireCustomer(context.db, ref);
    redirectAfter(res, customerHref(customer), 'granted');
  });
  router.post('/grants/:id/revoke', ...write, async (req, res) => {
    const { reason } = parseInput(revokeGrantSchema, { reason: (req.body as Record<string, unknown>).reason }, 'body');
    const grant = await revokeGrant(context, String(req.params.id), reason, adminActor(res));
    const customer = await context.db('customers').where({ id: grant.customer_id }).first<{ stripe_customer_id: string | null; user_id: string | null }>('stripe_customer_id', 'user_id');
    redirectAfter(res, customerHref(customer), 'revoked');
  });
  router.post('/customers/:ref/balances/adjust', ...write, async (req, res) => {
    const ref = String(req.params.ref);
    await adjustRequested(usage, adjustFormInput(ref, req.body as Record<string, unknown>), res);
    const customer = await requireCustomer(context.db, ref);
    redirectAfter(res, customerHref(customer), 'adjusted');
  });
  router.post('/customers/:ref/sync', ...write, async (req, res) => {
    const ref = String(req.params.ref);
    const kind = refKind(ref);
    if (!kind) throw badRequest('invalid_ref', 'the customer reference must be a Stripe customer id (cus_…) or a user id');
    const who = adminActor(res);
    await syncNow(context, ref, kind, { actor: who.actor, requestId: who.requestId, reason: 'sync requested in the console' }, context.config.SYNC_TIMEOUT_MS);
    redirectAfter(res, `${consoleBasePath}/customers/${encodeURIComponent(ref)}`, 'synced');
  });
  router.post('/events/replay', ...write, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const ids = selectedEvents(body);
    if (ids.length === 0) throw badRequest('invalid_request_body', 'event: select at least one event', { param: 'event' });
    const who = adminActor(res);
    for (const id of ids) await replayEvent(context, id, who);
    redirectAfter(res, returnPath(body.return, `${consoleBasePath}/events`), 'replayed');
  });
  return router;
}

/**
 * The admin console under `/admin/console`: server-rendered pages for people (customers, one
 * customer's story, dead letters and events, reconciliation, revenue) behind admin keys, with forms
 * that act through the same functions as the JSON admin API. Mounted as one handler, like Bull Board.
 */
export function adminConsole(usage: UsageDeps, verify: KeyVerifier, sessions: AdminSessions): RequestHandler {
  const { context } = usage;
  const router = Router();
  router.use(loginRoutes(context, verify, sessions));
  router.use(consoleAuthentication(verify, sessions));
  const write = [form, requireCsrfToken];
  router.post('/logout', ...write, async (req, res) => {
    const token = readCookie(req.get('cookie'), sessionCookie);
    const keyId = token ? await sessions.end(token) : undefined;
    if (keyId) await writeAudit(context.db, adminActor(res), { action: 'admin_session.ended', subjectType: 'api_key', subjectId: keyId });
    res.clearCookie(sessionCookie, sessionCookieOptions(context.config, req));
    res.redirect(303, `${consoleBasePath}/login`);
  });
  router.use(customerRoutes(usage, write));
  router.use(eventRoutes(context));
  router.use(reconciliationRoutes(context, write));
  router.use(revenueRoutes(context));
  router.use((req: Request) => {
    throw notFound('page_not_found', `no console page ${req.path}`);
  });
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(error);
    if (appError.status >= 500) context.logger.error('console request failed', { error, method: req.method, path: req.originalUrl });
    if (appError.status === 401) return sendPage(res, loginPage(), 401);
    sendPage(res, errorPage(appError.status, appError.code, appError.message, res.locals.apiKey !== undefined), appError.status);
  });
  return (req, res, next) => router(req, res, next);
}
