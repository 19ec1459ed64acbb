import type Stripe from 'stripe';
import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { invalidRequest, parameterInvalid, parameterMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { idOf } from '../id-of.js';
import { paginate } from '../list.js';
import { addInterval } from '../objects/period.js';
import type { PhaseInput } from '../objects/subscription-schedule.js';
import { mustGet } from '../ops/lookup.js';
import { createScheduleFromSubscription, releaseSchedule, updateSchedule, type ScheduleUpdate } from '../ops/subscription-schedules.js';
import { optInt, optObject, optObjects, optString, prorationBehavior } from '../params.js';

const intervals = ['day', 'week', 'month', 'year'] as const;
const endBehaviors = ['release', 'cancel'] as const;

/** A phase's start: a timestamp or `now`. */
function dateParam(params: FormObject, name: string, now: number): number | undefined {
  return params[name] === 'now' ? now : optInt(params, name);
}

/**
 * `phases[i][…]` as Stripe reads them: each phase's items (price, quantity), its start (the first
 * phase's given or the current phase's, later ones where the previous ended) and its end
 * (`end_date`, `duration[interval|interval_count]` or `iterations` of the first price's interval;
 * one interval when none is given).
 */
function parsePhases(ctx: SimContext, schedule: Stripe.SubscriptionSchedule, body: FormObject): PhaseInput[] | undefined {
  const phases = optObjects(body, 'phases');
  if (phases === undefined) return undefined;
  if (phases.length === 0) throw parameterMissing('phases');
  const now = ctx.clock.now();
  let previousEnd: number | undefined;
  return phases.map((phase, i) => {
    const label = `phases[${i}]`;
    const items = (optObjects(phase, 'items') ?? []).map((item, j) => ({
      price: mustGet(ctx.store.prices, optString(item, 'price') ?? '', 'price', `${label}[items][${j}][price]`),
      quantity: optInt(item, 'quantity') ?? 1,
    }));
    if (items.length === 0) throw parameterMissing(`${label}[items]`);
    const start = dateParam(phase, 'start_date', now) ?? previousEnd ?? schedule.current_phase?.start_date ?? now;
    const recurring = items[0]?.price.recurring ?? { interval: 'month' as const, interval_count: 1 };
    const duration = optObject(phase, 'duration');
    const iterations = optInt(phase, 'iterations');
    let end = optInt(phase, 'end_date');
    if (end === undefined && duration !== undefined) {
      const interval = intervals.find((candidate) => candidate === optString(duration, 'interval'));
      if (interval === undefined) throw parameterInvalid(`${label}[duration][interval]`, `Invalid ${label}[duration][interval]: must be one of ${intervals.join(', ')}`);
      end = addInterval(start, interval, optInt(duration, 'interval_count') ?? 1);
    }
    end ??= addInterval(start, recurring.interval, recurring.interval_count * (iterations ?? 1));
    if (end <= start) throw invalidRequest(`The phase end_date (${end}) must be after its start_date (${start}).`, 'parameter_invalid', `${label}[end_date]`);
    previousEnd = end;
    return { items, start, end, prorationBehavior: prorationBehavior(phase, 'proration_behavior', `${label}[proration_behavior]`) ?? 'create_prorations' };
  });
}

export function subscriptionScheduleRoutes(routes: ApiRoutes, ctx: SimContext): void {
  const get = (id: string | undefined) => mustGet(ctx.store.subscriptionSchedules, id ?? '', 'subscription_schedule');

  routes.post('/subscription_schedules', ({ body }) => {
    const from = optString(body, 'from_subscription');
    if (from === undefined || from === '') throw invalidRequest('The simulator creates subscription schedules only from an existing subscription: give from_subscription.', 'parameter_missing', 'from_subscription');
    return createScheduleFromSubscription(ctx, from);
  });

  routes.get('/subscription_schedules/:id', ({ params }) => get(params.id));

  routes.post('/subscription_schedules/:id', ({ params, body }) => {
    const schedule = get(params.id);
    const update: ScheduleUpdate = {};
    const phases = parsePhases(ctx, schedule, body);
    if (phases !== undefined) update.phases = phases;
    const endBehavior = optString(body, 'end_behavior');
    if (endBehavior !== undefined) {
      const known = endBehaviors.find((candidate) => candidate === endBehavior);
      if (known === undefined) throw parameterInvalid('end_behavior', `Invalid end_behavior: must be one of ${endBehaviors.join(', ')}`);
      update.endBehavior = known;
    }
    const behavior = prorationBehavior(body, 'proration_behavior');
    if (behavior !== undefined) update.prorationBehavior = behavior;
    return updateSchedule(ctx, schedule.id, update);
  });

  routes.post('/subscription_schedules/:id/release', ({ params }) => releaseSchedule(ctx, get(params.id).id));

  routes.get('/subscription_schedules', ({ body }) => {
    const customer = optString(body, 'customer');
    const schedules = [...ctx.store.subscriptionSchedules.values()].reverse();
    return paginate<Stripe.SubscriptionSchedule>(schedules, body, '/v1/subscription_schedules', (schedule) => customer === undefined || idOf(schedule.customer) === customer);
  });
}
