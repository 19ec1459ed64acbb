import { checkoutEvents } from './checkout.js';
import { chargeEvents, customerEvents, invoiceEvents, subscriptionEvents } from './customer-hints.js';
import { priceEvents, productEvents } from './catalog.js';
import type { FamilyRegistry } from './decision.js';
import { entitlementSummaryEvents } from './entitlement-summary.js';

/** Every handled event family (shared/events/event-types.ts) has exactly one processor: the compiler checks it. */
export const familyProcessors: FamilyRegistry = {
  checkout: checkoutEvents,
  customer: customerEvents,
  subscription: subscriptionEvents,
  invoice: invoiceEvents,
  charge: chargeEvents,
  product: productEvents,
  price: priceEvents,
  entitlements: entitlementSummaryEvents,
};
