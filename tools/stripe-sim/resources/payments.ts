import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import { inRange, newestFirst, paginate } from '../list.js';
import { idOf } from '../id-of.js';
import { mustGet } from '../ops/lookup.js';
import { closeDispute, createRefund } from '../ops/refunds.js';
import { mergeMetadata, optInt, optString } from '../params.js';

const refundReasons = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

export function paymentRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.get('/charges/:id', ({ params }) => mustGet(ctx.store.charges, params.id ?? '', 'charge'));
  routes.get('/charges', ({ body }) => {
    const customer = optString(body, 'customer');
    const intent = optString(body, 'payment_intent');
    const charges = customer === undefined ? ctx.store.charges.newestFirst() : ctx.store.charges.group(customer);
    return paginate(charges, body, '/v1/charges', (charge) =>
      (intent === undefined || idOf(charge.payment_intent) === intent)
      && inRange(charge.created, body.created));
  });

  routes.get('/payment_intents/:id', ({ params }) => mustGet(ctx.store.paymentIntents, params.id ?? '', 'payment_intent'));

  routes.post('/refunds', ({ body }) => {
    const reason = optString(body, 'reason');
    const refund = createRefund(ctx, {
      charge: optString(body, 'charge'),
      paymentIntent: optString(body, 'payment_intent'),
      amount: optInt(body, 'amount'),
      reason: reason !== undefined && refundReasons.has(reason) ? (reason) : null,
    });
    const metadata = mergeMetadata({}, body);
    if (metadata !== undefined) refund.metadata = metadata;
    return refund;
  });
  routes.get('/refunds/:id', ({ params }) => mustGet(ctx.store.refunds, params.id ?? '', 'refund'));
  routes.get('/refunds', ({ body }) => {
    const charge = optString(body, 'charge');
    const intent = optString(body, 'payment_intent');
    const refunds = newestFirst(ctx.store.refunds).filter((refund) =>
      (charge === undefined || idOf(refund.charge) === charge) && (intent === undefined || idOf(refund.payment_intent) === intent)
      && inRange(refund.created, body.created));
    return paginate(refunds, body, '/v1/refunds');
  });

  routes.get('/disputes/:id', ({ params }) => mustGet(ctx.store.disputes, params.id ?? '', 'dispute'));
  routes.get('/disputes', ({ body }) => {
    const charge = optString(body, 'charge');
    const disputes = newestFirst(ctx.store.disputes).filter((dispute) => (charge === undefined || idOf(dispute.charge) === charge) && inRange(dispute.created, body.created));
    return paginate(disputes, body, '/v1/disputes');
  });
  /** Closing a dispute means accepting it: it is lost. */
  routes.post('/disputes/:id/close', ({ params }) => closeDispute(ctx, params.id ?? '', 'lost'));
}
