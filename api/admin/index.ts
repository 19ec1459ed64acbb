import { Router } from 'express';
import type { Context } from '../../shared/context.js';
import { boardQueues } from '../../shared/infra/queues.js';
import { AdminSessions } from './admin-sessions.js';
import { boardAudit } from './board-audit.js';
import { boardAuthentication } from './board-authentication.js';
import { boardJobGuard } from './board-job-guard.js';
import { boardBasePath, bullBoard } from './bull-board.js';
import { requireAdmin } from './require-admin.js';
import { adminConsole } from '../console/console-routes.js';
import { consoleBasePath } from '../console/layout.js';
import type { KeyVerifier } from '../middleware/authenticate.js';
import type { UsageDeps } from '../../shared/usage/usage-target.js';
import { auditRoutes } from './routes/audit.js';
import { balanceRoutes } from './routes/balances.js';
import { customerRoutes } from './routes/customers.js';
import { eventRoutes } from './routes/events.js';
import { grantRoutes } from './routes/grants.js';
import { meterRoutes } from './routes/meters.js';
import { reconciliationRoutes } from './routes/reconciliations.js';
import { sessionRoutes } from './routes/session.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';

/**
 * Everything under `/admin`: the JSON routes (Bearer key with scope `admin`; a `read_only` key may
 * only read) and Bull Board at `/admin/queues` (admin key as Bearer, HTTP Basic password or session
 * cookie; read-only board for a `read_only` key; writes same-origin only, jobs with valid data
 * only, every write audited) and the console at `/admin/console` behind the same credentials.
 */
export function adminRoutes(context: Context, verify: KeyVerifier, usage: UsageDeps): Router {
  const admin = requireAdmin(verify);
  const sessions = new AdminSessions(context.redis, context.db, context.config.REDIS_PREFIX);
  const router = Router();
  const board = boardQueues(context.queues, context.shards);
  router.use(boardBasePath, boardAuthentication(verify, sessions, context.config), boardJobGuard(board), boardAudit(context), bullBoard(board));
  router.use(consoleBasePath, adminConsole(usage, verify, sessions));
  for (const routes of [grantRoutes, customerRoutes, eventRoutes, reconciliationRoutes, auditRoutes, webhookEndpointRoutes, meterRoutes]) router.use(routes(context, admin));
  router.use(balanceRoutes(usage, admin));
  router.use(sessionRoutes(context, requireAdmin(verify, { allowReadOnly: true }), sessions));
  return router;
}
