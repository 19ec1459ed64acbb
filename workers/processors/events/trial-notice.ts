import type { Context } from '../../../shared/context.js';
import { announce } from '../../../shared/notify/announce.js';
import { trialWillEnd, type TrialEndBehaviour } from '../../../shared/notify/trial-event.js';
import type { EventObject } from './decision.js';
import { idOf } from './decision.js';

const behaviours = new Set<string>(['pause', 'cancel', 'create_invoice']);

/** Stripe's behaviour when the subscription does not say: invoice, and let dunning decide. */
function endBehaviour(object: EventObject): TrialEndBehaviour {
  const settings = object.trial_settings as { end_behavior?: { missing_payment_method?: unknown } } | null | undefined;
  const value = settings?.end_behavior?.missing_payment_method;
  return typeof value === 'string' && behaviours.has(value) ? (value as TrialEndBehaviour) : 'create_invoice';
}

/**
 * Whether Stripe will find a payment method at the trial's end: the subscription's own, else the
 * customer's default for invoices (fetched now: the event does not carry the customer).
 */
async function hasPaymentMethod(context: Context, object: EventObject, customer: string): Promise<boolean> {
  if (idOf(object.default_payment_method) || idOf(object.default_source)) return true;
  const fetched = await context.stripe.customers.retrieve(customer);
  if (fetched.deleted) return false;
  // Older or partial customer objects may carry no invoice settings at all.
  const settings = fetched.invoice_settings as Partial<typeof fetched.invoice_settings> | null | undefined;
  return Boolean(idOf(settings?.default_payment_method) ?? idOf(fetched.default_source));
}

/**
 * `customer.subscription.trial_will_end` is announced to apps as `subscription.trial_will_end`
 * (stream and outbound webhooks), beside the customer sync every subscription event causes. The
 * customer is named as the mirror knows it; a customer it does not know yet is named by its
 * Stripe id and the user id the checkout put on the subscription.
 */
export async function announceTrialWillEnd(context: Context, object: EventObject, stripeEventId: string | null): Promise<void> {
  const subscription = idOf(object.id);
  const customer = idOf(object.customer);
  const trialEnd = typeof object.trial_end === 'number' ? object.trial_end : undefined;
  if (!subscription || !customer || trialEnd === undefined) return;
  const row = await context.db('customers').where({ stripe_customer_id: customer }).first<{ id: string; user_id: string | null } | undefined>('id', 'user_id');
  const metadata = object.metadata as Record<string, unknown> | null | undefined;
  const metadataUser = typeof metadata?.user_id === 'string' ? metadata.user_id : null;
  const event = trialWillEnd({
    customer: { id: row?.id ?? null, stripe_customer_id: customer, user_id: row?.user_id ?? metadataUser },
    subscription,
    trialEnd: new Date(trialEnd * 1000),
    hasPaymentMethod: await hasPaymentMethod(context, object, customer),
    missingPaymentMethod: endBehaviour(object),
    stripeEventId,
  }, new Date());
  await announce(context, [event]);
}
