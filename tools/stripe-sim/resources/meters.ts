import type Stripe from 'stripe';
import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { invalidRequest, parameterMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { newestFirst, paginate } from '../list.js';
import { mustGet } from '../ops/lookup.js';
import { createMeter, meterEventSummaries, recordMeterEvent } from '../ops/meters.js';
import { optInt, optObject, optString, reqString } from '../params.js';

const formulas = new Set(['sum', 'count', 'last']);

function stringPayload(body: FormObject): Record<string, string> {
  const payload = optObject(body, 'payload');
  if (!payload) throw parameterMissing('payload');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value !== 'string') throw invalidRequest(`Invalid payload[${key}]: payload values must be strings`, 'parameter_invalid', `payload[${key}]`);
    out[key] = value;
  }
  return out;
}

/** A required timestamp aligned to a minute, as Stripe wants for event summaries. */
function minuteTime(body: FormObject, name: string): number {
  const value = optInt(body, name);
  if (value === undefined) throw parameterMissing(name);
  if (value % 60 !== 0) throw invalidRequest(`${name} must be aligned with minute boundaries.`, 'parameter_invalid', name);
  return value;
}

/** Billing meters, meter events and event summaries (`/v1/billing/…`). */
export function meterRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/billing/meters', ({ body }) => {
    const aggregation = optObject(body, 'default_aggregation');
    if (!aggregation) throw parameterMissing('default_aggregation');
    const formula = reqString(aggregation, 'formula');
    if (!formulas.has(formula)) throw invalidRequest(`Invalid default_aggregation[formula]: ${formula}`, 'parameter_invalid', 'default_aggregation[formula]');
    const customerMapping = optObject(body, 'customer_mapping');
    const valueSettings = optObject(body, 'value_settings');
    const window = optString(body, 'event_time_window');
    return createMeter(ctx, {
      display_name: reqString(body, 'display_name'),
      event_name: reqString(body, 'event_name'),
      formula,
      ...(customerMapping && { customerKey: reqString(customerMapping, 'event_payload_key') }),
      ...(valueSettings && { valueKey: reqString(valueSettings, 'event_payload_key') }),
      ...(window !== undefined && { event_time_window: window }),
    });
  });
  routes.get('/billing/meters/:id', ({ params }) => mustGet(ctx.store.meters, params.id ?? '', 'billing meter'));
  routes.get('/billing/meters', ({ body }) => {
    const status = optString(body, 'status');
    return paginate<Stripe.Billing.Meter>(newestFirst(ctx.store.meters), body, '/v1/billing/meters', (meter) => status === undefined || meter.status === status);
  });

  routes.post('/billing/meter_events', ({ body }) => {
    const identifier = optString(body, 'identifier');
    const timestamp = optInt(body, 'timestamp');
    return recordMeterEvent(ctx, {
      event_name: reqString(body, 'event_name'),
      payload: stringPayload(body),
      ...(identifier !== undefined && { identifier }),
      ...(timestamp !== undefined && { timestamp }),
    });
  });

  routes.get('/billing/meters/:id/event_summaries', ({ params, body }) => {
    const meter = mustGet(ctx.store.meters, params.id ?? '', 'billing meter');
    const customer = reqString(body, 'customer');
    const start = minuteTime(body, 'start_time');
    const end = minuteTime(body, 'end_time');
    if (end <= start) throw invalidRequest('end_time must be after start_time.', 'parameter_invalid', 'end_time');
    const grouping = optString(body, 'value_grouping_window');
    if (grouping !== undefined && grouping !== 'hour' && grouping !== 'day') throw invalidRequest(`Invalid value_grouping_window: ${grouping}`, 'parameter_invalid', 'value_grouping_window');
    return paginate(meterEventSummaries(ctx, meter, customer, start, end, grouping), body, `/v1/billing/meters/${meter.id}/event_summaries`);
  });
}
