import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { catalogRoutes } from './catalog.js';
import { checkoutRoutes } from './checkout.js';
import { customerRoutes } from './customers.js';
import { entitlementRoutes } from './entitlements.js';
import { eventRoutes } from './events.js';
import { invoiceRoutes } from './invoices.js';
import { meterRoutes } from './meters.js';
import { paymentRoutes } from './payments.js';
import { subscriptionScheduleRoutes } from './subscription-schedules.js';
import { subscriptionRoutes } from './subscriptions.js';

/** Every `/v1` endpoint the simulator speaks. */
export function registerResources(routes: ApiRoutes, ctx: SimContext): void {
  customerRoutes(routes, ctx);
  catalogRoutes(routes, ctx);
  subscriptionRoutes(routes, ctx);
  subscriptionScheduleRoutes(routes, ctx);
  invoiceRoutes(routes, ctx);
  paymentRoutes(routes, ctx);
  checkoutRoutes(routes, ctx);
  eventRoutes(routes, ctx);
  entitlementRoutes(routes, ctx);
  meterRoutes(routes, ctx);
}
