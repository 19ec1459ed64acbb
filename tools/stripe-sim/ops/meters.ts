import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { secondsPerDay } from '../objects/period.js';

/** Stripe keeps an event's `identifier` unique for a rolling period of at least 24 hours. */
export const identifierHorizonSeconds = secondsPerDay;
/** A meter event's timestamp may lie at most 35 calendar days in the past… */
export const meterEventMaxAgeSeconds = 35 * secondsPerDay;
/** …and at most 5 minutes in the future. */
export const meterEventMaxLeadSeconds = 300;

export interface MeterInput {
  display_name: string;
  event_name: string;
  formula: Stripe.Billing.Meter.DefaultAggregation.Formula;
  customerKey?: string;
  valueKey?: string;
  event_time_window?: Stripe.Billing.Meter.EventTimeWindow | null;
}

export function createMeter(ctx: SimContext, input: MeterInput): Stripe.Billing.Meter {
  for (const meter of ctx.store.meters.values()) {
    if (meter.status === 'active' && meter.event_name === input.event_name) {
      throw invalidRequest(`An active meter with event_name '${input.event_name}' already exists.`, 'parameter_invalid', 'event_name');
    }
  }
  const now = ctx.clock.now();
  const meter: Stripe.Billing.Meter = {
    id: ctx.ids.next('mtr'),
    object: 'billing.meter',
    created: now,
    customer_mapping: { event_payload_key: input.customerKey ?? 'stripe_customer_id', type: 'by_id' },
    default_aggregation: { formula: input.formula },
    display_name: input.display_name,
    event_name: input.event_name,
    event_time_window: input.event_time_window ?? null,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: now,
    value_settings: { event_payload_key: input.valueKey ?? 'value' },
  };
  ctx.store.meters.set(meter.id, meter);
  return meter;
}

function activeMeterFor(ctx: SimContext, eventName: string): Stripe.Billing.Meter | undefined {
  for (const meter of ctx.store.meters.values()) if (meter.status === 'active' && meter.event_name === eventName) return meter;
  return undefined;
}

export interface MeterEventInput {
  event_name: string;
  payload: Record<string, string>;
  identifier?: string;
  timestamp?: number;
}

/**
 * Records a meter event. An `identifier` seen within the last 24 hours (simulated clock) is not
 * counted again: the first event is answered, so a retried report can never count twice. Stripe
 * validates the timestamp window at once and the payload against its meter later (an error report);
 * here a payload the meter cannot read is refused at once, so a test sees the mistake.
 */
export function recordMeterEvent(ctx: SimContext, input: MeterEventInput): Stripe.Billing.MeterEvent {
  const now = ctx.clock.now();
  const timestamp = input.timestamp ?? now;
  if (timestamp < now - meterEventMaxAgeSeconds) throw invalidRequest('The timestamp is more than 35 days in the past.', 'timestamp_too_far_in_past', 'timestamp');
  if (timestamp > now + meterEventMaxLeadSeconds) throw invalidRequest('The timestamp is more than 5 minutes in the future.', 'timestamp_in_future', 'timestamp');
  const identifier = input.identifier ?? ctx.ids.next('mevt');
  const previous = ctx.store.meterEvents.get(ctx.store.meterEventIdentifiers.get(identifier) ?? '');
  if (previous && previous.event.created > now - identifierHorizonSeconds) return previous.event;
  const meter = activeMeterFor(ctx, input.event_name);
  const customer = input.payload[meter?.customer_mapping.event_payload_key ?? 'stripe_customer_id'];
  if (customer === undefined || customer === '') throw invalidRequest('The payload names no customer.', 'parameter_missing', `payload[${meter?.customer_mapping.event_payload_key ?? 'stripe_customer_id'}]`);
  const valueKey = meter?.value_settings.event_payload_key ?? 'value';
  const raw = input.payload[valueKey] ?? (meter?.default_aggregation.formula === 'count' ? '1' : undefined);
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw invalidRequest(`The payload's ${valueKey} must be a number.`, 'parameter_invalid', `payload[${valueKey}]`);
  const event: Stripe.Billing.MeterEvent = { object: 'billing.meter_event', created: now, event_name: input.event_name, identifier, livemode: false, payload: { ...input.payload }, timestamp };
  const key = ctx.ids.next('mev');
  ctx.store.meterEvents.set(key, { event, meter: meter?.id ?? null, customer, value });
  ctx.store.meterEventIdentifiers.set(identifier, key);
  return event;
}

/** A meter's aggregate for one customer over `[start, end)`, by its formula. */
export function meterUsage(ctx: SimContext, meter: Stripe.Billing.Meter, customer: string, start: number, end: number): number {
  let sum = 0;
  let count = 0;
  let last: { timestamp: number; value: number } | undefined;
  for (const stored of ctx.store.meterEvents.values()) {
    const { timestamp } = stored.event;
    if (stored.meter !== meter.id || stored.customer !== customer || timestamp < start || timestamp >= end) continue;
    sum += stored.value;
    count += 1;
    if (!last || timestamp >= last.timestamp) last = { timestamp, value: stored.value };
  }
  if (meter.default_aggregation.formula === 'count') return count;
  if (meter.default_aggregation.formula === 'last') return last?.value ?? 0;
  return sum;
}

/** The summaries of `[start, end)`: one for the whole range, or one per hour or day, newest first like Stripe. */
export function meterEventSummaries(ctx: SimContext, meter: Stripe.Billing.Meter, customer: string, start: number, end: number, grouping: 'hour' | 'day' | undefined): Stripe.Billing.MeterEventSummary[] {
  const step = grouping === 'hour' ? 3600 : grouping === 'day' ? secondsPerDay : end - start;
  const summaries: Stripe.Billing.MeterEventSummary[] = [];
  for (let from = start; from < end; from += step) {
    const to = Math.min(end, from + step);
    summaries.push({ id: `mtrusg_${meter.id.slice(4)}_${customer}_${from}_${to}`, object: 'billing.meter_event_summary', aggregated_value: meterUsage(ctx, meter, customer, from, to), end_time: to, livemode: false, meter: meter.id, start_time: from });
  }
  return summaries.reverse();
}
