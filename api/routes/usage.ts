import express, { Router, type Request, type Response } from 'express';
import { badRequest } from '../../shared/errors.js';
import { isFeatureName, requireRefKind } from '../../shared/entitlements/read.js';
import { check, consume, readBalance, type UsageAnswer } from '../../shared/usage/consume.js';
import { reserve, settleReservation } from '../../shared/usage/reservations.js';
import { checkSchema, commitSchema, consumeSchema, reserveSchema } from '../../shared/usage/usage-requests.js';
import { meteredFeatures } from '../../shared/usage/metered-features.js';
import type { UsageDeps } from '../../shared/usage/usage-target.js';
import { parseInput } from '../admin/parse-input.js';
import { authenticatedKey, requireScope, type KeyVerifier } from '../middleware/authenticate.js';

export const replayedHeader = 'Idempotent-Replayed';

function refParam(req: Request): string {
  const ref = String(req.params.ref);
  requireRefKind(ref);
  return ref;
}

function send(res: Response, answer: { status: number; body: unknown; replayed: boolean }): void {
  if (answer.replayed) res.set(replayedHeader, 'true');
  res.status(answer.status).json(answer.body);
}

/**
 * Metered usage (scope write for changes, read for balances): consume, check, reserve then
 * commit or release, and read balances. Every change is admitted atomically in Redis and answered
 * only once durable in Postgres; a retry with the same `idempotency_key` gets the stored answer
 * with `Idempotent-Replayed: true`.
 */
export function usageRoutes(usage: UsageDeps, verify: KeyVerifier): Router {
  const router = Router();
  const write = requireScope(verify, 'write');
  const read = requireScope(verify, 'read');
  const json = express.json({ limit: '16kb' });
  const consumeBody = consumeSchema();
  const actor = (res: Response) => `key:${authenticatedKey(res).id}`;

  router.post('/v1/customers/:ref/usage', write, json, async (req, res) => {
    const ref = refParam(req);
    const answer: UsageAnswer = await consume(usage, ref, parseInput(consumeBody, req.body, 'body'));
    send(res, answer);
  });
  router.post('/v1/customers/:ref/usage/check', write, json, async (req, res) => {
    const ref = refParam(req);
    res.json(await check(usage, ref, parseInput(checkSchema, req.body, 'body')));
  });
  router.post('/v1/customers/:ref/reservations', write, json, async (req, res) => {
    const ref = refParam(req);
    send(res, await reserve(usage, ref, parseInput(reserveSchema, req.body, 'body')));
  });
  router.post('/v1/reservations/:id/commit', write, json, async (req, res) => {
    const { amount } = parseInput(commitSchema, req.body, 'body');
    res.json(await settleReservation(usage, String(req.params.id), amount, actor(res)));
  });
  router.post('/v1/reservations/:id/release', write, async (req, res) => {
    res.json(await settleReservation(usage, String(req.params.id), null, actor(res)));
  });
  router.get('/v1/customers/:ref/balances', read, async (req, res) => {
    const ref = refParam(req);
    const now = new Date();
    const data = [];
    for (const feature of meteredFeatures(usage.context.catalogFile)) data.push(await readBalance(usage, ref, feature, now));
    res.json({ data });
  });
  router.get('/v1/customers/:ref/balances/:feature', read, async (req, res) => {
    const ref = refParam(req);
    const feature = String(req.params.feature);
    if (!isFeatureName(feature)) throw badRequest('invalid_feature', 'the feature name must be 1–200 characters from [A-Za-z0-9_.:@+-]');
    res.json(await readBalance(usage, ref, feature));
  });
  return router;
}
