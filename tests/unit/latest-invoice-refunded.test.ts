import test from 'ava';
import type { Stripe } from '../../shared/infra/stripe.js';
import { latestInvoiceCharge, latestInvoiceDisputeStatus, latestInvoicePayers, latestInvoiceRefunded } from '../../shared/sync/stripe-rows.js';

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

test('the dispute status of the latest invoice: by charge or by intent, an open or lost one outranking one won', (t) => {
  const byCharge = subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }]);
  t.is(latestInvoiceDisputeStatus(byCharge, new Map()), null, 'no dispute');
  t.is(latestInvoiceDisputeStatus(byCharge, new Map([['ch_1', 'needs_response']])), 'needs_response');
  t.is(latestInvoiceDisputeStatus(byCharge, new Map([['ch_other', 'lost']])), null, 'a dispute on another charge does not count');
  const byIntent = subscriptionPaidBy([{ status: 'paid', intent: 'pi_1' }]);
  t.is(latestInvoiceDisputeStatus(byIntent, new Map([['pi_1', 'lost']])), 'lost');
  const two = subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }, { status: 'paid', charge: 'ch_2' }]);
  t.is(latestInvoiceDisputeStatus(two, new Map([['ch_1', 'won'], ['ch_2', 'under_review']])), 'under_review');
  t.is(latestInvoiceDisputeStatus(two, new Map([['ch_1', 'won']])), 'won');
  t.is(latestInvoiceDisputeStatus(subscriptionPaidBy([{ status: 'paid', charge: 'ch_1' }], 'open'), new Map([['ch_1', 'lost']])), null, 'an unpaid invoice has no paying charge');
  const failed = subscriptionPaidBy([{ status: 'failed', charge: 'ch_1' }]);
  t.is(latestInvoiceDisputeStatus(failed, new Map([['ch_1', 'lost']])), null, 'a failed payment paid nothing');
});

test('the charge a refund or a dispute of the latest invoice would name, and every payer of it', (t) => {
  t.is(latestInvoiceCharge(subscriptionPaidBy([{ status: 'paid', charge: 'ch_1', intent: 'pi_1' }])), 'ch_1');
  t.is(latestInvoiceCharge(subscriptionPaidBy([{ status: 'paid', intent: 'pi_1' }])), 'pi_1');
  t.is(latestInvoiceCharge(subscriptionPaidBy([], 'open')), null);
  t.deepEqual(latestInvoicePayers(subscriptionPaidBy([{ status: 'paid', charge: 'ch_1', intent: 'pi_1' }, { status: 'failed', charge: 'ch_2' }])), ['ch_1', 'pi_1']);
});
