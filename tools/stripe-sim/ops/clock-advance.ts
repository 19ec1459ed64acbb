import type { SimContext } from '../context.js';
import { idOf } from '../id-of.js';
import { invoiceSubscriptionId } from './lookup.js';
import { currentPeriodEnd, isBillable, noticeTrialEnd, renewSubscription, retryInvoice, trialNoticeSeconds } from './renewal.js';
import { advanceSchedule } from './subscription-schedules.js';

export interface AdvanceResult {
  from: number;
  to: number;
  /** What happened on the way, in order: `renewed sub_…`, `retried in_…`, … */
  actions: string[];
  events: number;
}

interface DueAction {
  at: number;
  label: string;
  run: () => void;
}

/** The earliest thing that falls due at or before `until`, if any. */
function nextDue(ctx: SimContext, until: number): DueAction | null {
  let best: DueAction | null = null;
  const consider = (action: DueAction): void => {
    if (action.at <= until && (best === null || action.at < best.at)) best = action;
  };
  // Schedules first: a phase ending with the period switches the items before the renewal bills them.
  for (const schedule of ctx.store.subscriptionSchedules.values()) {
    const end = schedule.current_phase?.end_date;
    const subscription = ctx.store.subscriptions.get(idOf(schedule.subscription) ?? '');
    if (schedule.status !== 'active' || end === undefined || !subscription || !isBillable(subscription)) continue;
    consider({ at: end, label: `phase end ${schedule.id}`, run: () => advanceSchedule(ctx, schedule) });
  }
  for (const subscription of ctx.store.subscriptions.values()) {
    if (!isBillable(subscription)) continue;
    const end = currentPeriodEnd(subscription);
    consider({ at: end, label: `period end ${subscription.id}`, run: () => renewSubscription(ctx, subscription) });
    const trialEnd = subscription.trial_end;
    if (subscription.status === 'trialing' && trialEnd !== null && ctx.store.trialNotices.get(subscription.id) !== trialEnd) {
      const at = Math.max(subscription.created, trialEnd - trialNoticeSeconds);
      consider({ at, label: `trial will end ${subscription.id}`, run: () => noticeTrialEnd(ctx, subscription) });
    }
  }
  for (const invoice of ctx.store.invoices.values()) {
    const at = invoice.next_payment_attempt;
    if (invoice.status !== 'open' || at === null) continue;
    const subscription = ctx.store.subscriptions.get(invoiceSubscriptionId(invoice) ?? '');
    if (subscription?.status === 'canceled') continue;
    consider({ at, label: `payment retry ${invoice.id}`, run: () => retryInvoice(ctx, invoice) });
  }
  return best;
}

/**
 * Moves the simulated clock forward, running everything that falls due on the way in time
 * order (schedule phases, trial notices, renewals, payment retries), each at its own moment.
 */
export function advanceClock(ctx: SimContext, seconds: number): AdvanceResult {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be a non-negative number');
  const from = ctx.clock.now();
  const to = from + Math.floor(seconds);
  const eventsBefore = ctx.store.events.size;
  const actions: string[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const due = nextDue(ctx, to);
    if (due === null) break;
    ctx.clock.set(Math.max(ctx.clock.now(), due.at));
    actions.push(due.label);
    ctx.events.withRequest(null, due.run);
  }
  ctx.clock.set(to);
  return { from, to, actions, events: ctx.store.events.size - eventsBefore };
}
