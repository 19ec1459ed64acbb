import test from 'ava';
import type { Stripe } from '../../shared/stripe.js';
import { latestInvoiceRefunded } from '../../shared/sync/stripe-rows.js';

interface PaymentSpec { status: 'paid' | 'failed' | 'open' | 'canceled'; charge?: string; intent?: string }

/** A subscription whose latest invoice (status `invoiceStatus`) lists these invoice payments. */
function subscriptionPaidBy(payments: PaymentSpec[], invoiceStatus = 'paid'): Stripe.Subscription {
  return {
    id: 'sub_1', object: 'subscription', customer: 'cus_1', status: 'active',
    latest_invoice: {
      id: 'in_1', object: 'invoice', status: invoiceStatus,
      payments: {
        object: 'list', has_more: false, url: '/v1/invoice_payments',
        data: payments.map((payment, index) => ({
          id: `inpay_${index}`, object: 'invoice_payment', status: payment.status,
          payment: { type: payment.charge ? 'charge' : 'payment_intent', charge: payment.charge ?? null, payment_intent: payment.intent ?? null },
        })),
      },
    },
  } as unknown as Stripe.Subscription;
}

const refunded = (...ids: string[]) => new Set(ids);
const none = new Set<string>();

test('a paid invoice whose one charge is fully refunded counts as refunded', (t) => {
  t.true(latestInvoiceRefunded(subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }]), refunded('ch_1'), none));
});

test('an invoice paid by two charges is refunded only when both are fully refunded', (t) => {
  const twoCharges = subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }, { status: 'paid', charge: 'ch_2' }]);
  t.false(latestInvoiceRefunded(twoCharges, refunded('ch_1'), none), 'one of two refunded');
  t.false(latestInvoiceRefunded(twoCharges, refunded('ch_2'), none), 'the other of two refunded');
  t.true(latestInvoiceRefunded(twoCharges, refunded('ch_1', 'ch_2'), none), 'both refunded');
});

test('a charge only partly refunded is not in the refunded set, so its invoice still counts as paid', (t) => {
  // fetchCustomer lists only fully refunded charges; ch_2 was refunded in part.
  const split = subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }, { status: 'paid', charge: 'ch_2' }]);
  t.false(latestInvoiceRefunded(split, refunded('ch_1'), none));
});

test('a failed payment attempt on the invoice does not stop a full refund of the payment that paid it', (t) => {
  const retried = subscriptionPaidBy([{ status: 'failed', charge: 'ch_declined' }, { status: 'paid', charge: 'ch_1' }]);
  t.true(latestInvoiceRefunded(retried, refunded('ch_1'), none));
  t.false(latestInvoiceRefunded(subscriptionPaidBy([{ status: 'failed', charge: 'ch_declined' }]), refunded('ch_declined'), none), 'only failed attempts: nothing was paid');
});

test('a payment named by its payment intent counts as refunded through the refunded intents', (t) => {
  const byIntent = subscriptionPaidBy([{ status: 'paid', intent: 'pi_1' }]);
  t.true(latestInvoiceRefunded(byIntent, none, refunded('pi_1')));
  t.false(latestInvoiceRefunded(byIntent, refunded('pi_1'), none), 'an intent id is not looked up among charges');
});

test('an invoice that is not paid, has no payments, or is not expanded never counts as refunded', (t) => {
  t.false(latestInvoiceRefunded(subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }], 'open'), refunded('ch_1'), none));
  t.false(latestInvoiceRefunded(subscriptionPaidBy([], 'paid'), refunded('ch_1'), none));
  const withoutPaymentList = subscriptionPaidBy([]);
  delete (withoutPaymentList.latest_invoice as { payments?: unknown }).payments;
  t.false(latestInvoiceRefunded(withoutPaymentList, refunded('ch_1'), none), 'payments not expanded');
  t.false(latestInvoiceRefunded({ ...subscriptionPaidBy([]), latest_invoice: 'in_1' }, refunded('ch_1'), none));
  t.false(latestInvoiceRefunded({ ...subscriptionPaidBy([]), latest_invoice: null }, refunded('ch_1'), none));
});
