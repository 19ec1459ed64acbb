import type { Db } from '../../../shared/infra/db.js';
import type { WebhookDelivery } from '../../../tools/stripe-sim/webhooks/delivery.js';

/**
 * When the api first answered each event's delivery with 2xx. Stripe takes a 2xx as "stored": an
 * api that answered before (or without) storing would be rescued by the catch-up and pass every
 * other check, but its inbox row would be younger than the answer.
 */
export class DeliveryLedger {
  readonly #firstAnswer = new Map<string, number>();

  constructor(webhooks: WebhookDelivery) {
    webhooks.onAttempt((record) => {
      if (record.status === null || record.status < 200 || record.status >= 300) return;
      if (!this.#firstAnswer.has(record.eventId)) this.#firstAnswer.set(record.eventId, record.at);
    });
  }

  /** Events the api answered 2xx at least once. */
  get answered(): number {
    return this.#firstAnswer.size;
  }

  /** Events answered 2xx whose inbox row was missing then: recorded later (by a catch-up) or never. */
  async answeredBeforeStored(db: Db): Promise<string[]> {
    const rows = await db('stripe_events').select<{ id: string; received_at: Date }[]>('id', 'received_at');
    const receivedAt = new Map(rows.map((row) => [row.id, row.received_at.getTime()]));
    return [...this.#firstAnswer].filter(([id, at]) => (receivedAt.get(id) ?? Infinity) > at).map(([id]) => id);
  }
}
