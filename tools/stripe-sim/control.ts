import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { createLocalDriver } from './driver.js';
import { SimError } from './errors.js';
import type { SimOperations } from './operations.js';
import { isScenarioName, runScenario, scenarioNames } from './scenarios.js';
import type { Weather } from './weather.js';
import type { WebhookDelivery } from './webhooks/delivery.js';

/** What the control API reaches into. */
export interface ControlTarget {
  ops: SimOperations;
  webhooks: WebhookDelivery;
  weather: Weather;
  now(): number;
  state(): Record<string, unknown>;
  reset(): void;
}

const percent = z.number().min(0).max(100);
const schemas = {
  advance: z.object({ seconds: z.number().int().nonnegative() }),
  outcome: z.object({ outcome: z.enum(['succeed', 'fail']) }),
  checkout: z.object({
    lookupKey: z.string().optional(), price: z.string().optional(), quantity: z.number().int().positive().optional(),
    trialDays: z.number().int().positive().optional(), customer: z.string().optional(), email: z.string().optional(),
    clientReferenceId: z.string().optional(), paymentMethod: z.string().nullable().optional(),
    trialEnd: z.enum(['pause', 'cancel', 'create_invoice']).optional(), currency: z.string().optional(), automaticTax: z.boolean().optional(),
  }),
  complete: z.object({ paymentMethod: z.string().nullable().optional() }),
  quantity: z.object({ quantity: z.number().int().positive() }),
  plan: z.object({ lookupKey: z.string().optional(), price: z.string().optional(), quantity: z.number().int().positive().optional() }),
  changePrice: z.object({
    lookupKey: z.string().optional(), price: z.string().optional(), quantity: z.number().int().positive().optional(),
    prorationBehavior: z.enum(['create_prorations', 'always_invoice', 'none']).optional(),
  }),
  amount: z.object({ amount: z.number().int().positive().optional() }),
  dispute: z.object({ amount: z.number().int().positive().optional(), reason: z.string().optional() }),
  close: z.object({ outcome: z.enum(['won', 'lost']).default('lost') }),
  cancel: z.object({ cancel: z.boolean().default(true) }),
  webhook: z.object({
    url: z.url(), secret: z.string().min(1), baseDelayMs: z.number().int().nonnegative().optional(),
    maxAttempts: z.number().int().positive().optional(), timeoutMs: z.number().int().positive().optional(),
  }),
  chaos: z.object({
    duplicatePercent: percent.optional(), dropPercent: percent.optional(),
    reorderWindowMs: z.number().int().nonnegative().optional(), reorderBatch: z.number().int().positive().optional(),
  }),
  weather: z.object({
    rateLimitPercent: percent.optional(), retryAfterSeconds: z.number().int().nonnegative().optional(), serverErrorPercent: percent.optional(),
    dropPercent: percent.optional(), slowPercent: percent.optional(), slowMs: z.number().int().nonnegative().optional(), onlyKeys: z.array(z.string()).optional(),
    onlyPaths: z.array(z.string().startsWith('/')).optional(),
  }),
  outage: z.object({ durationMs: z.number().int().positive().optional(), mode: z.enum(['error', 'drop']).default('error') }),
  idle: z.object({ timeoutMs: z.number().int().positive().default(30_000) }),
  scenario: z.object({ userId: z.string().optional(), lookupKey: z.string().optional(), price: z.string().optional(), email: z.string().optional() }),
};

const param = (request: Request, name: string): string => String(request.params[name] ?? '');

/**
 * The `/_sim` control API (JSON): the clock, payment outcomes, lifecycle steps, webhook chaos, API weather,
 * state for oracles, and whole scenarios.
 */
export function createControlRouter(target: ControlTarget): express.Router {
  const router = express.Router();
  router.use(express.json());
  const { ops } = target;
  const body = <S extends z.ZodType>(schema: S, request: Request): z.output<S> => schema.parse(request.body ?? {});

  router.get('/health', (_request, response) => { response.json({ ok: true, now: target.now() }); });
  router.get('/state', (_request, response) => { response.json({ now: target.now(), ...target.state() }); });
  router.post('/reset', (_request, response) => { target.reset(); response.json({ ok: true, now: target.now() }); });
  router.get('/clock', (_request, response) => { response.json({ now: target.now() }); });
  router.post('/clock/advance', (request, response) => { response.json(ops.advance(body(schemas.advance, request).seconds)); });

  router.post('/customers/:id/payment-outcome', (request, response) => {
    ops.setPaymentOutcome(param(request, 'id'), body(schemas.outcome, request).outcome);
    response.json({ ok: true });
  });
  router.post('/checkout', (request, response) => { response.json(ops.checkout(body(schemas.checkout, request))); });
  router.post('/checkout/sessions/:id/complete', (request, response) => {
    response.json(ops.completeCheckout(param(request, 'id'), body(schemas.complete, request).paymentMethod));
  });

  router.get('/subscriptions/:id', (request, response) => { response.json(ops.subscription(param(request, 'id'))); });
  router.post('/subscriptions/:id/resume', (request, response) => { response.json(ops.resume(param(request, 'id'))); });
  router.post('/customers/:id/payment-method', (request, response) => { response.json(ops.addPaymentMethod(param(request, 'id'))); });
  router.post('/subscriptions/:id/advance-to-period-end', (request, response) => { response.json(ops.advanceToPeriodEnd(param(request, 'id'))); });
  router.post('/subscriptions/:id/pay-latest-invoice', (request, response) => { response.json(ops.payLatestInvoice(param(request, 'id'))); });
  router.post('/subscriptions/:id/cancel-at-period-end', (request, response) => {
    response.json(ops.cancelAtPeriodEnd(param(request, 'id'), body(schemas.cancel, request).cancel));
  });
  router.post('/subscriptions/:id/quantity', (request, response) => {
    response.json(ops.setQuantity(param(request, 'id'), body(schemas.quantity, request).quantity));
  });
  router.post('/subscriptions/:id/change-price', (request, response) => {
    const { prorationBehavior, ...plan } = body(schemas.changePrice, request);
    response.json(ops.changePrice(param(request, 'id'), plan, prorationBehavior));
  });
  router.post('/subscriptions/:id/schedule-change', (request, response) => {
    response.json(ops.scheduleChange(param(request, 'id'), body(schemas.plan, request)));
  });
  router.post('/subscriptions/:id/refund', (request, response) => {
    response.json(ops.refundLatestCharge(param(request, 'id'), body(schemas.amount, request).amount));
  });
  router.post('/subscriptions/:id/dispute', (request, response) => { response.json(ops.disputeLatestCharge(param(request, 'id'))); });
  router.post('/charges/:id/dispute', (request, response) => {
    const { amount, reason } = body(schemas.dispute, request);
    response.json(ops.disputeCharge(param(request, 'id'), amount, reason));
  });
  router.post('/disputes/:id/close', (request, response) => {
    response.json(ops.closeDispute(param(request, 'id'), body(schemas.close, request).outcome));
  });

  router.get('/webhooks', (_request, response) => {
    const options = target.webhooks.options;
    response.json({ url: options?.url ?? null, chaos: options?.chaos ?? {}, stats: target.webhooks.stats, log: target.webhooks.log });
  });
  router.post('/webhooks', (request, response) => {
    target.webhooks.configure({ ...target.webhooks.options, ...body(schemas.webhook, request) });
    response.json({ ok: true });
  });
  router.post('/webhooks/chaos', (request, response) => {
    target.webhooks.setChaos(body(schemas.chaos, request));
    response.json({ ok: true, chaos: target.webhooks.options?.chaos ?? {} });
  });
  router.post('/webhooks/idle', async (request, response) => {
    const { timeoutMs } = body(schemas.idle, request);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); });
    const idle = await Promise.race([target.webhooks.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    response.status(idle ? 504 : 200).json({ idle: !idle, stats: target.webhooks.stats });
  });
  const weather = () => ({ settings: target.weather.settings, outage: target.weather.outage, figures: target.weather.figures });
  router.get('/weather', (_request, response) => { response.json(weather()); });
  router.post('/weather', (request, response) => {
    target.weather.set(body(schemas.weather, request));
    response.json(weather());
  });
  router.post('/weather/outage', (request, response) => {
    const { durationMs, mode } = body(schemas.outage, request);
    target.weather.startOutage(durationMs, mode);
    response.json(weather());
  });
  router.delete('/weather/outage', (_request, response) => {
    target.weather.endOutage();
    response.json(weather());
  });

  router.get('/scenarios', (_request, response) => { response.json({ scenarios: scenarioNames }); });
  router.post('/scenarios/:name', async (request, response) => {
    const name = param(request, 'name');
    if (!isScenarioName(name)) throw new SimError(404, 'invalid_request_error', `No such scenario: '${name}'. Known: ${scenarioNames.join(', ')}`, 'resource_missing');
    response.json(await runScenario(name, createLocalDriver(ops), body(schemas.scenario, request)));
  });

  router.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    if (error instanceof SimError) return void response.status(error.status).json(error.toBody());
    if (error instanceof z.ZodError) {
      return void response.status(400).json({ error: { type: 'invalid_request_error', code: 'parameter_invalid', message: z.prettifyError(error) } });
    }
    const message = error instanceof Error ? error.message : String(error);
    response.status(500).json({ error: { type: 'api_error', message } });
  });
  return router;
}
