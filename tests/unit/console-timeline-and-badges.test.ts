import test from 'ava';
import { adjustFormInput, grantFormInput, noticeOf, returnPath, selectedEvents } from '../../api/console/console-forms.js';
import { standingBadges } from '../../api/console/customer-status.js';
import type { CustomerStory } from '../../api/console/data/customer-story.js';
import { intervalOf } from '../../api/console/data/revenue-inputs.js';
import { customerTimeline, entitlementChange, usageTitle } from '../../api/console/timeline.js';

const now = new Date('2026-06-15T12:00:00Z');
const at = (iso: string) => new Date(iso);

test('standing badges: deleted, refunded, past due within and beyond the grace period, active, trialing, canceled, none', (t) => {
  const sub = (status: string, fields: { past_due_since?: Date; latest_invoice_refunded?: boolean } = {}) =>
    ({ status, past_due_since: fields.past_due_since ?? null, latest_invoice_refunded: fields.latest_invoice_refunded ?? false });
  t.deepEqual(standingBadges(false, [], 72, now), ['no subscription']);
  t.deepEqual(standingBadges(false, [sub('active')], 72, now), ['active']);
  t.deepEqual(standingBadges(false, [sub('past_due', { past_due_since: at('2026-06-14T12:00:00Z') })], 72, now), ['past due, in grace']);
  t.deepEqual(standingBadges(false, [sub('past_due', { past_due_since: at('2026-06-01T00:00:00Z') })], 72, now), ['past due, grace over']);
  t.deepEqual(standingBadges(false, [sub('past_due')], 0, now), ['past due, grace over'], 'no grace at all');
  t.deepEqual(standingBadges(false, [sub('active', { latest_invoice_refunded: true }), sub('trialing')], 72, now), ['refunded', 'active', 'trialing']);
  t.deepEqual(standingBadges(true, [sub('canceled')], 72, now), ['deleted', 'canceled']);
  t.deepEqual(standingBadges(false, [sub('canceled'), sub('unpaid')], 72, now), ['canceled']);
});

test('an entitlement change reads as what was added, removed and changed', (t) => {
  const entry = (feature: string, value: true | number) => ({ feature, value, sources: [], expires_at: null });
  t.is(entitlementChange(null, [entry('pro', true)]), '+pro');
  t.is(entitlementChange([entry('pro', true), entry('seats', 3)], [entry('seats', 5), entry('api_calls', 100)]), '+api_calls 100 −pro seats 3→5');
  t.is(entitlementChange([entry('pro', true)], [entry('pro', true)]), 'sources changed');
  const until = (feature: string, expires_at: string | null) => ({ ...entry(feature, true), expires_at });
  t.is(entitlementChange([until('basic', null), until('pro', null), until('beta', null)], [until('basic', '2026-06-18T12:00:00.000Z'), until('pro', '2026-06-18T12:00:00.000Z'), until('beta', null)]),
    'basic pro until 2026-06-18 12:00 UTC', 'a grace period begins');
  t.is(entitlementChange([until('basic', '2026-06-18T12:00:00.000Z'), until('pro', '2026-06-18T12:00:00.000Z')], [until('basic', null), until('pro', null)]), 'basic pro no longer expire', 'recovered');
  t.is(entitlementChange([until('pro', '2026-06-18T12:00:00.000Z')], [until('pro', null), entry('seats', 2)]), '+seats 2 pro no longer expires');
});

function story(): CustomerStory {
  return {
    customer: { id: 'c1', stripe_customer_id: 'cus_1', user_id: 'u1', email: null, name: null, metadata: {}, deleted: false, created_at: at('2026-01-01T00:00:00Z'), synced_at: null },
    subscriptions: [{
      id: 'sub_1', status: 'active', cancel_at_period_end: true, canceled_at: at('2026-06-10T00:00:00Z'), ended_at: null, trial_end: at('2026-02-01T00:00:00Z'),
      past_due_since: null, latest_invoice_id: null, latest_invoice_refunded: true, currency: 'usd', stripe_created: at('2026-01-20T00:00:00Z'), synced_at: at('2026-06-11T00:00:00Z'),
      items: [{ id: 'si_1', subscription_id: 'sub_1', price_id: 'price_1', product_id: 'prod_1', lookup_key: null, quantity: 1, unit_amount: '900', current_period_end: null }],
    }],
    grants: [
      { id: 'g1', customer_id: 'c1', feature: 'beta', value: true, reason: 'early access', expires_at: at('2026-03-01T00:00:00Z'), revoked_at: null, revoked_reason: null, expiry_recorded_at: null, created_by: 'key:k', created_at: at('2026-02-15T00:00:00Z') },
      { id: 'g2', customer_id: 'c1', feature: 'seats', value: 3, reason: 'goodwill', expires_at: null, revoked_at: at('2026-05-02T00:00:00Z'), revoked_reason: 'resolved', expiry_recorded_at: null, created_by: 'key:k', created_at: at('2026-05-01T00:00:00Z') },
    ],
    entitlements: undefined,
    events: [
      { id: 'evt_1', type: 'invoice.paid', status: 'processed', attempts: 0, last_error: null, received_at: at('2026-01-20T00:00:01Z'), processed_at: null },
      { id: 'evt_2', type: 'invoice.payment_failed', status: 'dead', attempts: 8, last_error: 'boom', received_at: at('2026-06-12T00:00:00Z'), processed_at: null },
    ],
    audit: [
      { id: '2', at: at('2026-06-13T00:00:00Z'), actor: 'reconciliation', action: 'entitlements.changed', subject_type: 'customer', subject_id: 'c1', before: [], after: [], event_id: null, grant_id: null, reconciliation_run_id: 'run_1', request_id: null, reason: null },
      { id: '1', at: at('2026-01-20T00:00:02Z'), actor: 'worker', action: 'entitlements.changed', subject_type: 'customer', subject_id: 'c1', before: null, after: [{ feature: 'pro', value: true, sources: [], expires_at: null }], event_id: 'evt_1', grant_id: null, reconciliation_run_id: null, request_id: null, reason: null },
      { id: '3', at: at('2026-05-01T00:00:00Z'), actor: 'key:k', action: 'entitlements.changed', subject_type: 'customer', subject_id: 'c1', before: [], after: [], event_id: null, grant_id: 'g2', reconciliation_run_id: null, request_id: 'r', reason: null },
      { id: '4', at: at('2026-05-03T00:00:00Z'), actor: 'key:k', action: 'entitlements.changed', subject_type: 'customer', subject_id: 'c1', before: [], after: [], event_id: null, grant_id: null, reconciliation_run_id: null, request_id: 'r', reason: 'sync requested' },
      { id: '5', at: at('2026-05-04T00:00:00Z'), actor: 'key:k', action: 'event.replayed', subject_type: 'stripe_event', subject_id: 'evt_2', before: null, after: null, event_id: 'evt_2', grant_id: null, reconciliation_run_id: null, request_id: 'r', reason: null },
    ],
    deliveries: [
      { id: 'd1', endpoint_id: 'e1', url: 'https://app.example/hook', event_id: 'evt_ent_c1_2', event_type: 'entitlements.updated', status: 'dead', attempts: 9, last_status_code: 500, last_error: 'HTTP 500', created_at: at('2026-01-20T00:00:03Z'), delivered_at: null },
      { id: 'd2', endpoint_id: 'e1', url: 'https://app.example/hook', event_id: 'evt_ent_c1_1', event_type: 'entitlements.updated', status: 'succeeded', attempts: 1, last_status_code: null, last_error: null, created_at: at('2026-01-20T00:00:02Z'), delivered_at: at('2026-01-20T00:00:04Z') },
    ],
    usage: [{ id: '1', feature: 'api_calls', kind: 'consume', amount: '5', reason: null, actor: null, occurred_at: at('2026-06-01T00:00:00Z') }],
  };
}

test('the timeline merges every source newest first, names each cause, offers a replay for dead events and filters by kind', (t) => {
  const timeline = customerTimeline(story(), now);
  t.deepEqual(timeline.map((entry) => `${entry.kind}: ${entry.title}`), [
    'entitlement: entitlements: sources changed',
    'event: invoice.payment_failed · dead',
    'subscription: mirror synced: active, latest invoice refunded',
    'subscription: cancellation scheduled',
    'usage: usage consume api_calls 5',
    'audit: event.replayed',
    'entitlement: entitlements: sources changed',
    'grant: grant seats revoked',
    'entitlement: entitlements: sources changed',
    'grant: grant seats 3',
    'grant: grant beta expired',
    'grant: grant beta',
    'subscription: trial ended',
    'delivery: webhook entitlements.updated · succeeded',
    'delivery: webhook entitlements.updated · dead',
    'entitlement: entitlements: +pro',
    'event: invoice.paid · processed',
    'subscription: subscription created',
  ]);
  t.deepEqual(timeline.filter((entry) => entry.kind === 'entitlement').map((entry) => entry.detail), [
    'cause: reconciliation run run_1', 'cause: key:k: sync requested', 'cause: grant g2', 'cause: Stripe event evt_1',
  ]);
  t.is(timeline.find((entry) => entry.title.includes('dead') && entry.kind === 'event')?.replayable, 'evt_2');
  t.is(timeline.find((entry) => entry.title.includes('processed'))?.replayable, undefined);
  t.deepEqual(customerTimeline(story(), now, 'usage').map((entry) => entry.kind), ['usage']);
  t.deepEqual(customerTimeline(story(), now, 'delivery').map((entry) => entry.detail), [
    'https://app.example/hook · evt_ent_c1_1 · 1 attempts', 'https://app.example/hook · evt_ent_c1_2 · 9 attempts · HTTP 500 · HTTP 500',
  ]);
});

test('console forms: the grant form in the JSON API shape, the selected events, a safe way back, fixed notices', (t) => {
  t.deepEqual(grantFormInput('cus_1', { feature: 'pro', reason: 'r', value: '', expires_at: '' }), { customer: 'cus_1', feature: 'pro', reason: 'r' });
  t.deepEqual(grantFormInput('u1', { feature: 'seats', reason: 'r', value: '12', expires_at: '2030-01-01T10:30' }), { customer: 'u1', feature: 'seats', reason: 'r', value: 12, expires_at: '2030-01-01T10:30:00Z' });
  t.deepEqual(grantFormInput('u1', { feature: 'x', reason: 'r', value: 'true', expires_at: 'soon' }), { customer: 'u1', feature: 'x', reason: 'r', value: true, expires_at: 'soon' });
  t.deepEqual(grantFormInput('u1', { value: 'lots' }), { customer: 'u1', feature: undefined, reason: undefined, value: 'lots' });
  t.deepEqual(selectedEvents({ one: 'evt_1', event: ['evt_2'] }), ['evt_1']);
  t.deepEqual(selectedEvents({ event: ['evt_2', 'evt_2', 'evt_3'] }), ['evt_2', 'evt_3']);
  t.deepEqual(selectedEvents({ event: 'evt_4' }), ['evt_4']);
  t.deepEqual(selectedEvents({}), []);
  t.is(returnPath('/admin/console/customers/cus_1', '/x'), '/admin/console/customers/cus_1');
  t.is(returnPath('https://evil.example/admin/console', '/x'), '/x');
  t.is(returnPath('//evil.example', '/x'), '/x');
  t.is(returnPath(undefined, '/x'), '/x');
  t.is(noticeOf('granted'), 'Feature granted. The read API serves it now.');
  t.is(noticeOf('<b>'), undefined);
  t.is(noticeOf(['granted']), undefined);
});

test('a price interval comes from the catalog, else from the length of the current period', (t) => {
  t.is(intervalOf('year', 30), 'year');
  t.is(intervalOf('fortnight', 14), null);
  t.is(intervalOf(null, null), null);
  t.is(intervalOf(null, 365), 'year');
  t.is(intervalOf(null, 30), 'month');
  t.is(intervalOf(null, 7), 'week');
  t.is(intervalOf(null, 1), 'day');
});

test('the balance form becomes the body of POST /admin/balances/adjust; ledger rows read as what the operator asked', (t) => {
  t.deepEqual(adjustFormInput('cus_1', { feature: 'api_calls', amount: ' -250 ', reason: 'abuse', idempotency_key: '', _csrf: 'x' }), { customer: 'cus_1', feature: 'api_calls', reason: 'abuse', amount: -250 });
  t.deepEqual(adjustFormInput('cus_1', { feature: 'api_calls', amount: '+5', reason: 'r', idempotency_key: 'k1' }), { customer: 'cus_1', feature: 'api_calls', reason: 'r', amount: 5, idempotency_key: 'k1' });
  t.like(adjustFormInput('cus_1', { amount: '1.5' }), { amount: '1.5' }, 'not a whole number: left for the schema to name');
  t.is(adjustFormInput('cus_1', { amount: '' }).amount, undefined, 'an empty amount is missing (the schema says "is required")');
  t.is(usageTitle({ kind: 'adjust', feature: 'api_calls', amount: '-500' }), 'balance api_calls credited 500');
  t.is(usageTitle({ kind: 'adjust', feature: 'api_calls', amount: '20' }), 'balance api_calls debited 20');
  t.is(usageTitle({ kind: 'consume', feature: 'api_calls', amount: '5' }), 'usage consume api_calls 5');
  t.is(noticeOf('adjusted'), 'Balance adjusted.');
});
