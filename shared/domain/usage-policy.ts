/**
 * How a metered feature is counted, as the catalog file's `features` section declares it.
 * A metered feature's entitlement value is its allowance per period; apps report consumption
 * against it.
 */

/** When the allowance starts again: the subscription item's billing period, a UTC calendar interval, or never. */
export type ResetInterval = 'billing_period' | 'month' | 'week' | 'day' | 'never';

/**
 * What happens past the allowance: `reject` refuses the consumption (402), `allow` records it
 * (remaining goes negative: overage), `cap` records only what is left and refuses when nothing is.
 */
export type OveragePolicy = 'reject' | 'allow' | 'cap';

export interface RolloverPolicy {
  /** Most units carried from the previous period's unused allowance. */
  max: number;
  /** Days into the new period after which carried units stop counting; absent: they last the period. */
  expires_after_days?: number | undefined;
}

export interface MeteredFeature {
  metered: boolean;
  reset: ResetInterval;
  overage: OveragePolicy;
  rollover?: RolloverPolicy | undefined;
  /** `event_name` of the Stripe billing meter this feature's usage is reported to. */
  stripe_meter?: string | undefined;
}

/** The declared policy of a feature when it is metered, else undefined. */
export function meteredPolicy(features: Readonly<Record<string, MeteredFeature>> | undefined, feature: string): MeteredFeature | undefined {
  if (!features || !Object.hasOwn(features, feature)) return undefined;
  const policy = features[feature];
  return policy?.metered ? policy : undefined;
}
