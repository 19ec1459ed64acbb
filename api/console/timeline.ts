import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import type { CustomerStory } from './data/customer-story.js';
import { storyDepth } from './data/customer-story.js';

export const timelineKinds = ['event', 'subscription', 'entitlement', 'grant', 'audit', 'delivery', 'usage'] as const;
export type TimelineKind = (typeof timelineKinds)[number];

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  title: string;
  detail: string;
  /** Failed or dead inbox events: the id to replay. */
  replayable?: string;
  tone?: 'ok' | 'bad' | 'warn';
}

const featureList = (value: unknown): StoredEntitlement[] => (Array.isArray(value) ? (value as StoredEntitlement[]) : []);

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * `+pro −beta api_calls 100→200`: what an entitlement change did; a change of expiry alone reads
 * `basic pro until 2026-06-18 12:00 UTC` (a past-due grace period, a cancellation at period end)
 * or `basic pro no longer expire` (recovered), grouped by the new expiry.
 */
export function entitlementChange(before: unknown, after: unknown): string {
  const previous = new Map(featureList(before).map((entry) => [entry.feature, entry]));
  const next = new Map(featureList(after).map((entry) => [entry.feature, entry]));
  const kept = [...next.values()].filter((entry) => previous.has(entry.feature));
  const expiries = new Map<string | null, string[]>();
  for (const entry of kept) {
    if ((previous.get(entry.feature)?.expires_at ?? null) === (entry.expires_at ?? null)) continue;
    expiries.set(entry.expires_at ?? null, [...(expiries.get(entry.expires_at ?? null) ?? []), entry.feature]);
  }
  const parts = [
    ...[...next.values()].filter((entry) => !previous.has(entry.feature)).map(({ feature, value }) => `+${feature}${value === true ? '' : ` ${value}`}`),
    ...[...previous.keys()].filter((feature) => !next.has(feature)).map((feature) => `−${feature}`),
    ...kept.filter((entry) => previous.get(entry.feature)?.value !== entry.value).map(({ feature, value }) => `${feature} ${String(previous.get(feature)?.value)}→${String(value)}`),
    ...[...expiries].map(([expiry, features]) => `${features.join(' ')} ${expiry ? `until ${minute(expiry)}` : `no longer expire${features.length === 1 ? 's' : ''}`}`),
  ];
  return parts.length > 0 ? parts.join(' ') : 'sources changed';
}

/** Why entitlements changed, from the audit row's cause columns. */
function causeOf(row: CustomerStory['audit'][number]): string {
  if (row.event_id) return `Stripe event ${row.event_id}`;
  if (row.grant_id) return `grant ${row.grant_id}`;
  if (row.reconciliation_run_id) return `reconciliation run ${row.reconciliation_run_id}`;
  return [row.actor, row.reason].filter(Boolean).join(': ');
}

/**
 * A ledger row in words. Rows count against the balance, so an adjustment's credit is stored
 * negative: `balance api_calls credited 500` reads the way the operator asked for it.
 */
export function usageTitle(row: { kind: string; feature: string; amount: string | number }): string {
  const amount = Number(row.amount);
  if (row.kind === 'adjust') return `balance ${row.feature} ${amount <= 0 ? 'credited' : 'debited'} ${Math.abs(amount)}`;
  return `usage ${row.kind} ${row.feature} ${amount}`;
}

function subscriptionEntries(story: CustomerStory, now: Date): TimelineEntry[] {
  return story.subscriptions.flatMap((sub) => {
    const plans = sub.items.map((item) => item.lookup_key ?? item.product_id).join(', ');
    const entry = (at: Date | null, title: string, tone?: TimelineEntry['tone']): TimelineEntry[] =>
      (at && at.getTime() <= now.getTime() ? [{ at, kind: 'subscription', title, detail: `${sub.id} ${plans}`, ...(tone && { tone }) }] : []);
    return [
      ...entry(sub.stripe_created, 'subscription created', 'ok'),
      ...entry(sub.trial_end, 'trial ended'),
      ...entry(sub.past_due_since, 'subscription past due', 'warn'),
      ...entry(sub.canceled_at, sub.cancel_at_period_end ? 'cancellation scheduled' : 'subscription canceled', 'bad'),
      ...entry(sub.ended_at, 'subscription ended', 'bad'),
      ...entry(sub.synced_at, `mirror synced: ${sub.status}${sub.latest_invoice_refunded ? ', latest invoice refunded' : ''}`, sub.latest_invoice_refunded ? 'bad' : undefined),
    ];
  });
}

/** Every source of a customer's story as one list, newest first, at most {@link storyDepth} entries, optionally of one kind. */
export function customerTimeline(story: CustomerStory, now: Date, kind?: TimelineKind): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...story.events.map((event): TimelineEntry => ({
      at: event.received_at, kind: 'event', title: `${event.type} · ${event.status}`,
      detail: [event.id, event.attempts > 0 ? `${event.attempts} attempts` : '', event.last_error ?? ''].filter(Boolean).join(' · '),
      ...((event.status === 'failed' || event.status === 'dead') && { replayable: event.id, tone: 'bad' as const }),
    })),
    ...subscriptionEntries(story, now),
    ...story.audit.map((row): TimelineEntry => (row.action === 'entitlements.changed'
      ? { at: row.at, kind: 'entitlement', title: `entitlements: ${entitlementChange(row.before, row.after)}`, detail: `cause: ${causeOf(row)}` }
      : { at: row.at, kind: 'audit', title: row.action, detail: [row.actor, `${row.subject_type} ${row.subject_id}`, row.reason ?? ''].filter(Boolean).join(' · ') })),
    ...story.grants.flatMap((grant): TimelineEntry[] => [
      { at: grant.created_at, kind: 'grant', title: `grant ${grant.feature}${grant.value === true ? '' : ` ${grant.value}`}`, detail: `${grant.reason} · by ${grant.created_by}${grant.expires_at ? ` · until ${grant.expires_at.toISOString()}` : ''}`, tone: 'ok' },
      ...(grant.revoked_at ? [{ at: grant.revoked_at, kind: 'grant' as const, title: `grant ${grant.feature} revoked`, detail: grant.revoked_reason ?? '', tone: 'bad' as const }] : []),
      ...(grant.expires_at && !grant.revoked_at && grant.expires_at.getTime() <= now.getTime() ? [{ at: grant.expires_at, kind: 'grant' as const, title: `grant ${grant.feature} expired`, detail: grant.reason }] : []),
    ]),
    ...story.deliveries.map((delivery): TimelineEntry => ({
      at: delivery.delivered_at ?? delivery.created_at, kind: 'delivery', title: `webhook ${delivery.event_type} · ${delivery.status}`,
      detail: [delivery.url, delivery.event_id, `${delivery.attempts} attempts`, delivery.last_status_code ? `HTTP ${delivery.last_status_code}` : '', delivery.last_error ?? ''].filter(Boolean).join(' · '),
      ...(delivery.status === 'dead' && { tone: 'bad' as const }),
    })),
    ...story.usage.map((row): TimelineEntry => ({
      at: row.occurred_at, kind: 'usage', title: usageTitle(row), detail: [row.actor ?? '', row.reason ?? ''].filter(Boolean).join(' · '),
    })),
  ];
  return entries
    .filter((entry) => kind === undefined || entry.kind === kind)
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, storyDepth);
}
