/**
 * Redis keys of one (customer, feature) balance. The customer id is the hash tag (the first
 * `{…}` of the key), so every key a Lua call touches lives in one Redis Cluster slot, while
 * customers spread over all of them. The configured prefix keeps deployments (and tests) apart;
 * its own braces are dropped so it never becomes the tag.
 */
export interface BalanceKeys {
  /** Hash: period, used, credited, reserved, rollover, rollover_until and `r:<reservation id>` → amount. */
  state: string;
  /** Sorted set: live reservation ids scored by their expiry (epoch ms). */
  holds: string;
}

const untagged = (prefix: string) => prefix.replaceAll(/[{}]/g, '');

export function balanceKeys(prefix: string, customerId: string, feature: string): BalanceKeys {
  const base = `${untagged(prefix)}:usage:{cust:${customerId}}`;
  return { state: `${base}:state:${feature}`, holds: `${base}:holds:${feature}` };
}

/** The marker of an idempotency key admitted recently (the ledger's unique key is the lasting guard). */
export function idempotencyKey(prefix: string, customerId: string, key: string): string {
  return `${untagged(prefix)}:usage:{cust:${customerId}}:idem:${key}`;
}
