import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { requireCustomer } from '../../../shared/grants/customer-ref.js';
import { meterParity, parsePeriod } from '../../../shared/meters/parity.js';
import { writeAudit } from '../../../shared/audit.js';
import { adminActor } from '../admin-actor.js';
import { stripeErrors } from '../../routes/checkout-stripe-errors.js';
import { parseInput } from '../parse-input.js';

const parityInput = z.strictObject({
  customer: z.string({ error: 'is required' }).min(1, 'is required'),
  period: z.string({ error: 'is required' }).transform((value, ctx) => {
    const period = parsePeriod(value);
    if (!period) {
      ctx.addIssue({ code: 'custom', message: 'must be a month (YYYY-MM) or <start>/<end> ISO 8601 instants on whole minutes, start before end, at most 366 days apart' });
      return z.NEVER;
    }
    return period;
  }),
});

/**
 * `GET /admin/meters/parity?customer=&period=` → the ledger against Stripe's meter event summaries;
 * `POST /admin/meters/parity/repair` `{customer, period}` → the same after sending what Stripe lacks
 * (audited).
 */
export function meterRoutes(context: Context, admin: RequestHandler): Router {
  const router = Router();
  router.get('/admin/meters/parity', admin, async (req, res) => {
    const { customer: ref, period } = parseInput(parityInput, req.query, 'query');
    const customer = await requireCustomer(context.db, ref);
    res.json(await meterParity(context, context.stripe, { customerId: customer.id, ...period }));
  });
  router.post('/admin/meters/parity/repair', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const { customer: ref, period } = parseInput(parityInput, req.body, 'body');
    const customer = await requireCustomer(context.db, ref);
    const report = await meterParity(context, context.stripe, { customerId: customer.id, ...period, repair: true });
    await writeAudit(context.db, adminActor(res), {
      action: 'meters.repaired', subjectType: 'customer', subjectId: customer.id, customerId: customer.id,
      after: { period: report.period, meters: report.meters.map(({ event_name, repaired, diff }) => ({ event_name, repaired, diff })) },
    });
    res.json(report);
  });
  router.use('/admin/meters', stripeErrors(context.logger));
  return router;
}
