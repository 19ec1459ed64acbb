import test from 'ava';
import type { Stripe } from '../../shared/infra/stripe.js';
import { classifyDrift, type LocalItem, type LocalSubscription } from '../../workers/reconcile/classify-drift.js';

const periodEnd = 1_767_225_600;
const pageFetchedAt = new Date('2026-01-01T12:00:00Z');
const before = new Date('2026-01-01T11:00:00Z');

function listed(fields: Partial<Stripe.Subscription> = {}, items: { id: string; price: string; quantity?: number; periodEnd?: number }[] = [{ id: 'si_1', price: 'price_pro' }]): Stripe.Subscription {
  return {
    id: 'sub_1', object: 'subscription', customer: 'cus_1', status: 'active', cancel_at_period_end: false, latest_invoice: 'in_1',
    items: { object: 'list', has_more: false, url: '/v1/subscription_items', data: items.map((item) => ({ id: item.id, price: { id: item.price }, quantity: item.quantity ?? 1, current_period_end: item.periodEnd ?? periodEnd })) },
    ...fields,
  } as unknown as Stripe.Subscription;
}

const local: LocalSubscription = { id: 'sub_1', status: 'active', cancel_at_period_end: false, latest_invoice_id: 'in_1', latest_invoice_status: 'paid', synced_at: before };
const localItems: LocalItem[] = [{ id: 'si_1', subscription_id: 'sub_1', price_id: 'price_pro', quantity: 1, current_period_end: new Date(periodEnd * 1000) }];

test('a subscription equal to its mirror rows is no drift', (t) => {
  t.is(classifyDrift(listed(), local, localItems, pageFetchedAt), undefined);
});

test('no mirror row: missing_locally', (t) => {
  t.is(classifyDrift(listed(), undefined, [], pageFetchedAt), 'missing_locally');
});

test('status, cancel at period end, or another latest invoice: status_differs', (t) => {
  t.is(classifyDrift(listed({ status: 'past_due' }), local, localItems, pageFetchedAt), 'status_differs');
  t.is(classifyDrift(listed({ cancel_at_period_end: true }), local, localItems, pageFetchedAt), 'status_differs');
  t.is(classifyDrift(listed({ latest_invoice: 'in_2' }), local, localItems, pageFetchedAt), 'status_differs');
  t.is(classifyDrift(listed({ status: 'canceled' }, [{ id: 'si_1', price: 'price_pro', quantity: 7 }]), local, localItems, pageFetchedAt), 'status_differs', 'one kind per subscription, status first');
});

test('the latest invoice status counts when the list expanded the invoice, and only then', (t) => {
  const expanded = (status: string) => listed({ latest_invoice: { id: 'in_1', object: 'invoice', status } as unknown as Stripe.Invoice });
  t.is(classifyDrift(expanded('paid'), local, localItems, pageFetchedAt), undefined);
  t.is(classifyDrift(expanded('open'), local, localItems, pageFetchedAt), 'status_differs');
  t.is(classifyDrift(listed(), { ...local, latest_invoice_status: 'open' }, localItems, pageFetchedAt), undefined, 'an id compares the id');
});

test('quantity, price, period end or the set of items: items_differ', (t) => {
  t.is(classifyDrift(listed({}, [{ id: 'si_1', price: 'price_pro', quantity: 3 }]), local, localItems, pageFetchedAt), 'items_differ');
  t.is(classifyDrift(listed({}, [{ id: 'si_1', price: 'price_team' }]), local, localItems, pageFetchedAt), 'items_differ');
  t.is(classifyDrift(listed({}, [{ id: 'si_1', price: 'price_pro', periodEnd: periodEnd + 86_400 }]), local, localItems, pageFetchedAt), 'items_differ');
  t.is(classifyDrift(listed({}, [{ id: 'si_1', price: 'price_pro' }, { id: 'si_2', price: 'price_team' }]), local, localItems, pageFetchedAt), 'items_differ');
  t.is(classifyDrift(listed({}, []), local, localItems, pageFetchedAt), 'items_differ');
});

test('a mirror row written by a fetch that started after the page was fetched is newer: no drift', (t) => {
  t.is(classifyDrift(listed({ status: 'past_due' }), { ...local, synced_at: new Date(pageFetchedAt.getTime() + 1) }, localItems, pageFetchedAt), undefined);
});

test('items beyond an embedded list that has more are not compared', (t) => {
  const subscription = listed({}, [{ id: 'si_1', price: 'price_pro', quantity: 2 }]);
  subscription.items.has_more = true;
  t.is(classifyDrift(subscription, local, localItems, pageFetchedAt), undefined);
});

test('no latest invoice on either side, and items without a period end, compare equal; a missing one on one side does not', (t) => {
  const bare = listed({ latest_invoice: null }, [{ id: 'si_1', price: 'price_pro' }]);
  (bare.items.data[0] as unknown as { current_period_end: number | null }).current_period_end = null;
  const mirror = { ...local, latest_invoice_id: null, latest_invoice_status: null };
  const items = [{ ...localItems[0], current_period_end: null }];
  t.is(classifyDrift(bare, mirror, items, pageFetchedAt), undefined);
  t.is(classifyDrift(bare, mirror, localItems, pageFetchedAt), 'items_differ', 'a period end on one side only');
  t.is(classifyDrift(listed(), mirror, localItems, pageFetchedAt), 'status_differs', 'an invoice on one side only');
  const statusless = listed({ latest_invoice: { id: 'in_1', object: 'invoice' } as unknown as Stripe.Invoice });
  t.is(classifyDrift(statusless, { ...local, latest_invoice_status: null }, localItems, pageFetchedAt), undefined, 'an expanded invoice without a status reads as null');
});
