import type Stripe from 'stripe';
import type { SimDriver } from './driver.js';
import type { CheckoutInput } from './operations.js';
import { secondsPerDay } from './objects/period.js';

/** What a scenario is about: whose subscription, to what. */
export interface ScenarioContext {
  /** The app's user id, sent as `client_reference_id`. @defaultValue a generated `user_…` */
  userId?: string;
  /** @defaultValue per scenario: `pro_monthly`, `team_monthly` for seat-change, `basic_monthly` for plan-change */
  lookupKey?: string;
  price?: string;
  email?: string;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  customer: string;
  subscription: string;
  /** One line per step, as printed by `trigger`. */
  steps: string[];
}

export type StepReporter = (line: string) => void;

type Scenario = (driver: SimDriver, context: Required<Pick<ScenarioContext, 'userId'>> & ScenarioContext, step: StepReporter) => Promise<{ customer: string; subscription: string }>;

/** Fails the scenario when the simulator did not reach the expected subscription status. */
async function expectStatus(driver: SimDriver, id: string, status: Stripe.Subscription.Status): Promise<Stripe.Subscription> {
  const subscription = await driver.subscription(id);
  if (subscription.status !== status) throw new Error(`Expected ${id} to be ${status}, but it is ${subscription.status}`);
  return subscription;
}

async function start(driver: SimDriver, context: ScenarioContext & { userId: string }, step: StepReporter, fallbackKey: string, extra: Pick<CheckoutInput, 'quantity' | 'trialDays' | 'trialEnd' | 'paymentMethod'> = {}) {
  const created = await driver.checkout({
    lookupKey: context.price === undefined ? (context.lookupKey ?? fallbackKey) : undefined,
    price: context.price,
    clientReferenceId: context.userId,
    email: context.email,
    ...extra,
  });
  const subscription = await driver.subscription(created.subscription);
  step(`checkout completed: customer ${created.customer}, subscription ${created.subscription} (${subscription.status})`);
  return created;
}

const lifecycle: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'pro_monthly');
  await expectStatus(driver, subscription, 'active');
  await driver.advanceToPeriodEnd(subscription);
  await expectStatus(driver, subscription, 'active');
  step('renewed: invoice paid, still active');
  await driver.setPaymentOutcome(customer, 'fail');
  await driver.advanceToPeriodEnd(subscription);
  await expectStatus(driver, subscription, 'past_due');
  step('renewal payment failed: past_due');
  await driver.setPaymentOutcome(customer, 'succeed');
  const paid = await driver.payLatestInvoice(subscription);
  await expectStatus(driver, subscription, 'active');
  step(`recovered: invoice ${paid.invoice} paid, active again`);
  const refunded = await driver.refundLatestCharge(subscription);
  step(`refunded: the recovery payment (${refunded.amount}) refunded in full, no access until a later invoice is paid`);
  const canceling = await driver.cancelAtPeriodEnd(subscription);
  step(`cancel at period end requested (cancel_at ${String(canceling.cancel_at)})`);
  await driver.advanceToPeriodEnd(subscription);
  await expectStatus(driver, subscription, 'canceled');
  step('period ended: subscription deleted (canceled)');
  return { customer, subscription };
};

const refund: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'pro_monthly');
  const partial = await driver.refundLatestCharge(subscription, 500);
  step(`partial refund ${partial.id}: ${partial.amount} of charge ${typeof partial.charge === 'string' ? partial.charge : (partial.charge?.id ?? '?')}`);
  const rest = await driver.refundLatestCharge(subscription);
  step(`full refund ${rest.id}: remaining ${rest.amount}, charge fully refunded`);
  return { customer, subscription };
};

const dispute: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'pro_monthly');
  const opened = await driver.disputeLatestCharge(subscription);
  step(`dispute ${opened.id} opened on charge ${typeof opened.charge === 'string' ? opened.charge : opened.charge.id} (${opened.status})`);
  const closed = await driver.closeDispute(opened.id, 'lost');
  step(`dispute ${closed.id} closed: ${closed.status}`);
  return { customer, subscription };
};

const seatChange: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'team_monthly', { quantity: 3 });
  for (const seats of [5, 2]) {
    const updated = await driver.setQuantity(subscription, seats);
    step(`seats changed to ${updated.items.data[0]?.quantity ?? '?'}`);
  }
  return { customer, subscription };
};

const trial: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'pro_monthly', { trialDays: 14 });
  await expectStatus(driver, subscription, 'trialing');
  await driver.advance(11 * secondsPerDay);
  step('3 days before trial end: customer.subscription.trial_will_end sent');
  await driver.advanceToPeriodEnd(subscription);
  await expectStatus(driver, subscription, 'active');
  step('trial ended: first invoice paid, active');
  return { customer, subscription };
};

/**
 * A plan change as an app makes it through the service: ten days in, an upgrade billed at once
 * (the prorations: credit for the unused time, charge for the rest of the period), then a
 * downgrade back at the period end through a subscription schedule, which switches the price
 * when the clock passes the period end, before the renewal bills it.
 */
const planChange: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'basic_monthly');
  const startPlan = (await driver.subscription(subscription)).items.data[0]?.price;
  await driver.advance(10 * secondsPerDay);
  const upgrade = await driver.changePrice(subscription, { lookupKey: 'pro_monthly' }, 'always_invoice');
  step(`10 days in, upgraded to pro_monthly: invoice ${upgrade.invoice?.id ?? 'none'} charged ${String(upgrade.invoice?.amount_paid ?? 0)} ${upgrade.invoice?.currency ?? ''} for the rest of the period`);
  const schedule = await driver.scheduleChange(subscription, { price: startPlan?.id ?? '' });
  const end = schedule.current_phase?.end_date ?? 0;
  step(`downgrade to ${startPlan?.lookup_key ?? startPlan?.id ?? '?'} scheduled by ${schedule.id} for ${new Date(end * 1000).toISOString()}`);
  await driver.advanceToPeriodEnd(subscription);
  const after = await expectStatus(driver, subscription, 'active');
  const price = after.items.data[0]?.price;
  if (price?.id !== startPlan?.id) throw new Error(`Expected ${subscription} to be on ${startPlan?.id ?? '?'} after the period end, but it is on ${price?.id ?? '?'}`);
  step(`period ended: the schedule switched to ${price?.lookup_key ?? price?.id ?? '?'}, renewed at ${String(price?.unit_amount ?? 0)} ${price?.currency ?? ''}`);
  return { customer, subscription };
};

/** A trial started without a card pauses at its end (no access); a card added and a resume bring it back. */
const trialWithoutCard: Scenario = async (driver, context, step) => {
  const { customer, subscription } = await start(driver, context, step, 'pro_monthly', { trialDays: 14, trialEnd: 'pause', paymentMethod: null });
  await expectStatus(driver, subscription, 'trialing');
  await driver.advance(11 * secondsPerDay);
  step('3 days before trial end: customer.subscription.trial_will_end sent (no card on file)');
  await driver.advanceToPeriodEnd(subscription);
  await expectStatus(driver, subscription, 'paused');
  step('trial ended without a card: paused (customer.subscription.paused), no invoice');
  await driver.addPaymentMethod(customer);
  await driver.resume(subscription);
  await expectStatus(driver, subscription, 'active');
  step('card added and subscription resumed: first invoice paid, active (customer.subscription.resumed)');
  return { customer, subscription };
};

export const scenarios = {
  'subscription.lifecycle': lifecycle,
  refund,
  dispute,
  'seat-change': seatChange,
  trial,
  'plan-change': planChange,
  'trial.no-card': trialWithoutCard,
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof scenarios;

export const scenarioNames = Object.keys(scenarios) as ScenarioName[];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(scenarios, name);
}

/** Runs a named scenario through `driver`, reporting each step as it happens. */
export async function runScenario(name: ScenarioName, driver: SimDriver, context: ScenarioContext = {}, onStep: StepReporter = () => undefined): Promise<ScenarioResult> {
  const steps: string[] = [];
  const step: StepReporter = (line) => {
    steps.push(line);
    onStep(line);
  };
  const userId = context.userId ?? `user_${Math.random().toString(36).slice(2, 10)}`;
  const ids = await scenarios[name](driver, { ...context, userId }, step);
  return { scenario: name, ...ids, steps };
}
