import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { idOf } from '../id-of.js';
import type { ProrationBehavior } from '../objects/proration.js';
import { buildPhase, buildScheduleFromSubscription, type PhaseInput } from '../objects/subscription-schedule.js';
import { mustGet } from './lookup.js';
import { changedFields, updateSubscription } from './subscription-update.js';
import { cancelSubscription } from './subscriptions.js';


export interface ScheduleUpdate {
  phases?: PhaseInput[];
  endBehavior?: Stripe.SubscriptionSchedule.EndBehavior;
  /** How a change of the current phase's items is prorated. @defaultValue `create_prorations` */
  prorationBehavior?: ProrationBehavior;
}

const running = (schedule: Stripe.SubscriptionSchedule): boolean => schedule.status === 'active' || schedule.status === 'not_started';

/** Sets `subscription.schedule` and emits `customer.subscription.updated` with the old value. */
function attach(ctx: SimContext, subscription: Stripe.Subscription, schedule: string | null): void {
  const before = structuredClone(subscription);
  subscription.schedule = schedule;
  ctx.events.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
}

/** `POST /v1/subscription_schedules` with `from_subscription`: the schedule takes the subscription over. */
export function createScheduleFromSubscription(ctx: SimContext, subscriptionId: string): Stripe.SubscriptionSchedule {
  const subscription = mustGet(ctx.store.subscriptions, subscriptionId, 'subscription', 'from_subscription');
  if (subscription.schedule !== null) {
    throw invalidRequest(`You cannot migrate a subscription that is already attached to a schedule: \`${idOf(subscription.schedule) ?? ''}\`.`, undefined, 'from_subscription');
  }
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw invalidRequest(`You cannot migrate a subscription that is ${subscription.status}.`, undefined, 'from_subscription');
  }
  const schedule = buildScheduleFromSubscription(ctx, subscription);
  ctx.store.subscriptionSchedules.set(schedule.id, schedule);
  ctx.events.emit('subscription_schedule.created', schedule);
  attach(ctx, subscription, schedule.id);
  return schedule;
}

const itemsKey = (items: Array<{ price: string; quantity: number }>): string => JSON.stringify(items.map(({ price, quantity }) => [price, quantity]));

/**
 * Replaces a running schedule's phases (and end behavior). The phase covering now becomes the
 * current phase; when its items differ from the subscription's, they apply at once, prorated as
 * asked. Later phases start when the one before ends.
 */
export function updateSchedule(ctx: SimContext, id: string, update: ScheduleUpdate): Stripe.SubscriptionSchedule {
  const schedule = mustGet(ctx.store.subscriptionSchedules, id, 'subscription_schedule');
  if (!running(schedule)) throw invalidRequest(`You cannot update a subscription schedule that is ${schedule.status}.`, undefined, 'id');
  const before = structuredClone(schedule);
  if (update.endBehavior !== undefined) schedule.end_behavior = update.endBehavior;
  if (update.phases !== undefined) {
    const now = ctx.clock.now();
    schedule.phases = update.phases.map(buildPhase);
    const current = update.phases.find((phase) => phase.start <= now && now < phase.end);
    schedule.current_phase = current ? { start_date: current.start, end_date: current.end } : null;
    const subscription = ctx.store.subscriptions.get(idOf(schedule.subscription) ?? '');
    if (current && subscription && itemsKey(current.items.map(({ price, quantity }) => ({ price: price.id, quantity })))
      !== itemsKey(subscription.items.data.map((item) => ({ price: item.price.id, quantity: item.quantity ?? 1 })))) {
      updateSubscription(ctx, subscription.id, { items: phaseItems(subscription, current), prorationBehavior: update.prorationBehavior ?? 'create_prorations' });
    }
  }
  const previous = changedFields(before, schedule);
  if (Object.keys(previous).length > 0) ctx.events.emit('subscription_schedule.updated', schedule, previous);
  return schedule;
}

/** Item patches turning the subscription's items into a phase's: the n-th item takes the n-th price, extras are added or deleted. */
function phaseItems(subscription: Stripe.Subscription, phase: PhaseInput) {
  const current = subscription.items.data;
  const patches: Array<{ id?: string; price?: string; quantity?: number; deleted?: boolean }> = phase.items.map((item, i) => ({ id: current[i]?.id, price: item.price.id, quantity: item.quantity }));
  for (const extra of current.slice(phase.items.length)) patches.push({ id: extra.id, deleted: true });
  return patches;
}

/** Stops the schedule; the subscription goes on as it is (`subscription_schedule.released`). */
export function releaseSchedule(ctx: SimContext, id: string): Stripe.SubscriptionSchedule {
  const schedule = mustGet(ctx.store.subscriptionSchedules, id, 'subscription_schedule');
  if (!running(schedule)) throw invalidRequest(`You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in one of the following statuses: \`not_started\`, \`active\`.`, undefined, 'id');
  const subscriptionId = idOf(schedule.subscription);
  Object.assign(schedule, {
    status: 'released', released_at: ctx.clock.now(), released_subscription: subscriptionId, subscription: null, current_phase: null,
  } satisfies Partial<Stripe.SubscriptionSchedule>);
  ctx.events.emit('subscription_schedule.released', schedule);
  const subscription = ctx.store.subscriptions.get(subscriptionId ?? '');
  if (subscription) attach(ctx, subscription, null);
  return schedule;
}

/**
 * The current phase has ended (the simulated clock passed its `end_date`): the next phase's items
 * apply to the subscription without proration (`customer.subscription.updated`,
 * `subscription_schedule.updated`); after the last phase the schedule releases the subscription
 * or, with `end_behavior: cancel`, cancels it.
 */
export function advanceSchedule(ctx: SimContext, schedule: Stripe.SubscriptionSchedule): void {
  const end = schedule.current_phase?.end_date ?? ctx.clock.now();
  const next = schedule.phases.find((phase) => phase.start_date >= end);
  const subscription = mustGet(ctx.store.subscriptions, idOf(schedule.subscription) ?? '', 'subscription');
  if (next === undefined) {
    if (schedule.end_behavior === 'cancel') {
      Object.assign(schedule, { status: 'completed', completed_at: ctx.clock.now(), current_phase: null } satisfies Partial<Stripe.SubscriptionSchedule>);
      ctx.events.emit('subscription_schedule.completed', schedule);
      subscription.schedule = null;
      cancelSubscription(ctx, subscription.id);
      return;
    }
    releaseSchedule(ctx, schedule.id);
    return;
  }
  const before = structuredClone(schedule);
  const items = next.items.map((item) => ({ price: mustGet(ctx.store.prices, idOf(item.price) ?? '', 'price'), quantity: item.quantity ?? 1 }));
  updateSubscription(ctx, subscription.id, { items: phaseItems(subscription, { items, start: next.start_date, end: next.end_date, prorationBehavior: 'none' }), prorationBehavior: 'none' });
  schedule.current_phase = { start_date: next.start_date, end_date: next.end_date };
  ctx.events.emit('subscription_schedule.updated', schedule, changedFields(before, schedule));
}
