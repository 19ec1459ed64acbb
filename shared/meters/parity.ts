import type { Context } from '../context.js';
import type { Stripe } from '../infra/stripe.js';
import { exportedMeters, meterNames, type MeterMap } from './exported-meters.js';
import { exportHorizon, oldestSendable, recordDueParts } from './record-parts.js';
import { sendParts } from './send-parts.js';
import { windowTotals } from './window-totals.js';

const hourMs = 3_600_000;
/** Stripe deduplicates an identifier for at least 24 hours: a part sent this recently may be sent again safely. */
const dedupSafeMs = 23 * hourMs;

export interface MeterParity {
  event_name: string;
  /** The Stripe meter with this event name, or null when Stripe has none (nothing can be billed). */
  meter: string | null;
  /** Usage of closed windows in the period, per the ledger. */
  ledger: number;
  /** What Stripe's event summaries hold for the customer in the period. */
  stripe: number;
  /** ledger − stripe: positive is usage Stripe lacks, negative usage it has twice. */
  diff: number;
  /** Usage of windows still open (sent once they close). */
  open: number;
  /** Parts re-sent or sent by this check. */
  repaired: number;
  /** Parts Stripe will never take (older than 35 days, or refused), and hours over-billed. */
  unrepairable: string[];
}

export interface ParityReport {
  customer_id: string;
  stripe_customer_id: string | null;
  period: { start: string; end: string };
  meters: MeterParity[];
  /** Sum of |diff| over the meters: 0 when Stripe holds exactly the ledger. */
  diff: number;
}

/** Stripe's active meters: event name → meter id. */
export async function activeMeters(stripe: Stripe): Promise<Map<string, string>> {
  const meters = await stripe.billing.meters.list({ status: 'active', limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return new Map(meters.map((meter) => [meter.event_name, meter.id]));
}

async function stripeTotal(stripe: Stripe, meter: string, customer: string, start: Date, end: Date): Promise<number> {
  const summaries = await stripe.billing.meters.listEventSummaries(meter, { customer, start_time: start.getTime() / 1000, end_time: end.getTime() / 1000 });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}

async function stripeByHour(stripe: Stripe, meter: string, customer: string, start: Date, end: Date): Promise<Map<number, number>> {
  const summaries = await stripe.billing.meters.listEventSummaries(meter, { customer, start_time: start.getTime() / 1000, end_time: end.getTime() / 1000, value_grouping_window: 'hour', limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return new Map(summaries.map((summary) => [summary.start_time * 1000, summary.aggregated_value]));
}

const hourOf = (date: Date): number => Math.floor(date.getTime() / hourMs) * hourMs;

/**
 * Compares the ledger with Stripe's meter event summaries for one customer over `[start, end)`
 * (minute-aligned), meter by meter. With `repair`: windows never recorded are recorded and sent,
 * and in each hour Stripe holds less than the ledger the hour's parts are sent again with their
 * own identifiers — only where that cannot count twice (Stripe has nothing in that hour, or the
 * part was sent within Stripe's 24-hour deduplication) — then Stripe is read again. Hours Stripe
 * holds more than the ledger, and parts Stripe will not take, are reported for a person to look at.
 * Summaries are eventually consistent at Stripe: a diff right after sending may close by itself.
 * `sender` sends the repair's meter events (default `stripe`); `stripeMeters` saves listing
 * Stripe's meters when many customers are compared.
 */
export async function meterParity(context: Context, stripe: Stripe, input: { customerId: string; start: Date; end: Date; repair?: boolean; meters?: MeterMap; now?: Date; sender?: Stripe; stripeMeters?: ReadonlyMap<string, string> }): Promise<ParityReport> {
  const { db } = context;
  const now = input.now ?? new Date();
  const sender = input.sender ?? stripe;
  const meters = input.meters ?? exportedMeters(context.catalogFile);
  const customer = await db('customers').where({ id: input.customerId }).first<{ stripe_customer_id: string | null }>('stripe_customer_id');
  const stripeCustomer = customer?.stripe_customer_id ?? null;
  const report: ParityReport = { customer_id: input.customerId, stripe_customer_id: stripeCustomer, period: { start: input.start.toISOString(), end: input.end.toISOString() }, meters: [], diff: 0 };
  if (meters.size === 0) return report;
  /** Parts sent by the repair's first step (windows never sent), per meter. */
  const caughtUp = new Map<string, number>();
  if (input.repair && stripeCustomer) {
    const recorded = await recordDueParts(context, input.customerId, meters, now);
    await sendParts(context, sender, input.customerId, { now: () => now });
    for (const part of recorded) caughtUp.set(part.eventName, (caughtUp.get(part.eventName) ?? 0) + (part.status === 'pending' ? 1 : 0));
  }
  const since = exportHorizon(input.start, context.config.METER_EXPORT_WINDOW_SECONDS);
  const totals = (await windowTotals(db, { customerId: input.customerId, meters, windowSeconds: context.config.METER_EXPORT_WINDOW_SECONDS, since }))
    .filter((total) => total.windowStart >= input.start && total.windowStart < input.end);
  const ids = !stripeCustomer ? new Map<string, string>() : input.stripeMeters ?? await activeMeters(stripe);
  for (const eventName of meterNames(meters)) {
    const mine = totals.filter((total) => total.eventName === eventName);
    const closed = mine.filter((total) => total.windowEnd <= now);
    const ledger = closed.reduce((sum, total) => sum + total.quantity, 0);
    const open = mine.reduce((sum, total) => sum + total.quantity, 0) - ledger;
    const meter = ids.get(eventName) ?? null;
    const entry: MeterParity = { event_name: eventName, meter, ledger, stripe: 0, diff: ledger, open, repaired: caughtUp.get(eventName) ?? 0, unrepairable: [] };
    const parts = await db('meter_export_windows').where({ customer_id: input.customerId, event_name: eventName })
      .where('window_start', '>=', input.start).where('window_start', '<', input.end)
      .select<{ id: number; window_start: Date; status: string; sent_at: Date | null; identifier: string }[]>('id', 'window_start', 'status', 'sent_at', 'identifier');
    for (const part of parts) if (part.status === 'expired' || part.status === 'failed') entry.unrepairable.push(`${part.identifier} ${part.status}`);
    if (meter && stripeCustomer) {
      entry.stripe = await stripeTotal(stripe, meter, stripeCustomer, input.start, input.end);
      if (entry.stripe !== ledger) {
        const byHour = await stripeByHour(stripe, meter, stripeCustomer, input.start, input.end);
        const ledgerByHour = new Map<number, number>();
        for (const total of closed) ledgerByHour.set(hourOf(total.windowStart), (ledgerByHour.get(hourOf(total.windowStart)) ?? 0) + total.quantity);
        const resend: string[] = [];
        for (const hour of new Set([...ledgerByHour.keys(), ...byHour.keys()])) {
          const atStripe = byHour.get(hour) ?? 0;
          const inLedger = ledgerByHour.get(hour) ?? 0;
          if (atStripe > inLedger) entry.unrepairable.push(`${new Date(hour).toISOString()} over-billed by ${atStripe - inLedger}`);
          if (atStripe >= inLedger) continue;
          for (const part of parts) {
            if (hourOf(part.window_start) !== hour || part.window_start < oldestSendable(now) || part.status === 'expired') continue;
            const safe = atStripe === 0 || part.sent_at === null || now.getTime() - part.sent_at.getTime() < dedupSafeMs;
            if (safe) resend.push(String(part.id));
            else entry.unrepairable.push(`${part.identifier} may be missing at Stripe, sent more than 24 hours ago`);
          }
        }
        if (input.repair && resend.length > 0) {
          const outcome = await sendParts(context, sender, input.customerId, { statuses: ['sent', 'failed', 'pending'], ids: resend, now: () => now, repair: true });
          entry.repaired += outcome.sent;
          entry.stripe = await stripeTotal(stripe, meter, stripeCustomer, input.start, input.end);
        }
      }
    } else if (ledger > 0) {
      entry.unrepairable.push(stripeCustomer ? `Stripe has no active meter named ${eventName}` : 'the customer is not a Stripe customer');
    }
    entry.diff = ledger - entry.stripe;
    report.meters.push(entry);
    report.diff += Math.abs(entry.diff);
  }
  return report;
}

/** The longest period compared at once: a year (Stripe's hourly summaries of it fit one listing). */
const maxPeriodMs = 366 * 24 * hourMs;

/**
 * A period `YYYY-MM` (a UTC calendar month) or `<start>/<end>` (ISO 8601 instants on whole
 * minutes, at most 366 days apart), as `[start, end)`; undefined when unreadable.
 */
export function parsePeriod(value: string): { start: Date; end: Date } | undefined {
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month) {
    const [year, index] = [Number(month[1]), Number(month[2]) - 1];
    if (index < 0 || index > 11) return undefined;
    return { start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
  }
  const [from, to, extra] = value.split('/');
  if (from === undefined || to === undefined || extra !== undefined) return undefined;
  const start = new Date(from);
  const end = new Date(to);
  const onMinute = (date: Date) => !Number.isNaN(date.getTime()) && date.getTime() % 60_000 === 0;
  return onMinute(start) && onMinute(end) && start < end && end.getTime() - start.getTime() <= maxPeriodMs ? { start, end } : undefined;
}
