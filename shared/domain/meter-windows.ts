import { createHash } from 'node:crypto';

/**
 * Which meter events to send: pure rules over the ledger's totals per window and what was already
 * reported. No I/O, no clock: `now` is a parameter.
 *
 * Policy:
 * - A window is reported once it has closed (`windowEnd ≤ now`). A flush (an invoice about to be
 *   finalized, a subscription ended) records a period boundary, which splits the open window: its
 *   part before the boundary has closed at once.
 * - A window already reported whose total has since changed (late usage, usage after a flush) gets
 *   one more part carrying the difference. Parts are never changed: each keeps its identifier, so
 *   retries and repairs of a part are counted once by Stripe.
 * - A part whose window starts before `oldestTimestamp` (Stripe accepts timestamps up to 35 days
 *   back) is recorded `expired`: reported by the parity check, never sent.
 */

/** The ledger's total of one meter in one window. */
export interface WindowTotal {
  eventName: string;
  windowStart: Date;
  windowEnd: Date;
  quantity: number;
}

/** What was already recorded for one window: the sum of its parts and the highest part number. */
export interface ReportedWindow {
  eventName: string;
  windowStart: Date;
  quantity: number;
  parts: number;
}

export interface PlannedPart {
  eventName: string;
  windowStart: Date;
  windowEnd: Date;
  part: number;
  quantity: number;
  identifier: string;
  status: 'pending' | 'expired';
}

export interface PlanOptions {
  customerId: string;
  now: Date;
  /** Windows starting before this can no longer be sent. */
  oldestTimestamp: Date;
}

/**
 * The meter event identifier of one part of one window: derived from nothing but the customer, the
 * meter, the window start and the part, so every attempt of the same part carries the same one.
 */
export function meterEventIdentifier(customerId: string, eventName: string, windowStart: Date, part: number): string {
  const digest = createHash('sha256').update(`${customerId}\n${eventName}\n${windowStart.getTime()}`).digest('hex').slice(0, 40);
  return `usage_${digest}_${part}`;
}

const keyOf = (eventName: string, windowStart: Date): string => `${eventName}\n${windowStart.getTime()}`;

/** The parts to record now, oldest window first. */
export function planMeterParts(totals: readonly WindowTotal[], reported: readonly ReportedWindow[], options: PlanOptions): PlannedPart[] {
  const known = new Map(reported.map((window) => [keyOf(window.eventName, window.windowStart), window]));
  const parts: PlannedPart[] = [];
  for (const total of totals) {
    if (total.windowEnd > options.now) continue;
    const before = known.get(keyOf(total.eventName, total.windowStart));
    const quantity = total.quantity - (before?.quantity ?? 0);
    if (quantity === 0) continue;
    const part = (before?.parts ?? 0) + 1;
    parts.push({
      eventName: total.eventName,
      windowStart: total.windowStart,
      windowEnd: total.windowEnd,
      part,
      quantity,
      identifier: meterEventIdentifier(options.customerId, total.eventName, total.windowStart, part),
      status: total.windowStart < options.oldestTimestamp ? 'expired' : 'pending',
    });
  }
  return parts.sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime() || a.eventName.localeCompare(b.eventName));
}
