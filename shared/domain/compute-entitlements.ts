import { subscriptionAccess } from './access-policy.js';
import { featuresForItem, type Catalog } from './catalog.js';
import { combineContributions, type Contribution } from './combine.js';
import { earliest } from './compare.js';
import type { AccessPolicy, CustomerState, EntitlementSet, FeatureValue, GrantState } from './types.js';

/** Whether a feature value means "has it": `true`, or a number greater than 0. */
export function isEntitled(value: FeatureValue): boolean {
  return value === true || value > 0;
}

/**
 * When a grant stops counting, or null if it does not count at `now`.
 * A grant counts while `now < expiresAt` and `now < revokedAt`: a revocation dated in the
 * future ends it then, so computing "as of" an earlier instant stays correct.
 */
function grantEnd(grant: GrantState, now: Date): { counts: boolean; until: Date | null } {
  const until = earliest(grant.expiresAt, grant.revokedAt);
  return { counts: until === null || now.getTime() < until.getTime(), until };
}

/**
 * The entitlements of one customer at `now`: a pure function of its state, the catalog and the policy.
 *
 * Each subscription item with access (see {@link subscriptionAccess}) contributes the features of
 * {@link featuresForItem}, sourced `{ kind: 'subscription', id: sub.id }` and ending when its access
 * ends; each live grant contributes its feature, sourced `{ kind: 'grant', id }`. Contributions
 * combine per feature (see {@link combineContributions}); a value 0 (e.g. quantity 0) is kept.
 * `nextChangeAt` is the earliest instant at which any counted source stops counting (past-due
 * grace end, period end under cancel-at-period-end, grant expiry or revocation), or null.
 * The result depends only on the inputs, never on the order of subscriptions, items, grants or plans.
 */
export function computeEntitlements(
  state: CustomerState,
  catalog: Catalog,
  policy: AccessPolicy,
  now: Date,
): EntitlementSet {
  const contributions: Contribution[] = [];
  let nextChangeAt: Date | null = null;

  for (const sub of state.subscriptions) {
    const source = { kind: 'subscription', id: sub.id } as const;
    for (const item of sub.items) {
      const access = subscriptionAccess(sub, item, policy, now);
      if (!access.granted) continue;
      nextChangeAt = earliest(nextChangeAt, access.until);
      for (const [feature, value] of featuresForItem(item, catalog)) {
        contributions.push({ feature, value, source, expiresAt: access.until });
      }
    }
  }

  for (const grant of state.grants) {
    const { counts, until } = grantEnd(grant, now);
    if (!counts) continue;
    nextChangeAt = earliest(nextChangeAt, until);
    contributions.push({ feature: grant.feature, value: grant.value, source: { kind: 'grant', id: grant.id }, expiresAt: until });
  }

  return {
    entitlements: combineContributions(contributions),
    nextChangeAt: nextChangeAt === null ? null : new Date(nextChangeAt.getTime()),
  };
}
