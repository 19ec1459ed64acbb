import { requestVia } from './unix-http.js';

export interface SignedDelivery { id: string; body: string; signature: string }

export interface BalancerFigures {
  /** Event ids some api host acknowledged (2xx). */
  acknowledged: Set<string>;
  /** Answers (2xx) per api host, by index. */
  answeredBy: number[];
  /** Attempts that got no answer or a non-2xx, then went to the other host. */
  failovers: number;
  /** Events still unacknowledged after every host was tried for `deadlineMs`. */
  unacknowledged: string[];
}

/**
 * What a load balancer in front of the api hosts does: round robin, a bounded wait per attempt,
 * and a host that failed is skipped for a moment (a passive health check) while the request goes
 * to the next one. Stripe would redeliver an unanswered webhook the same way, so an event a cut
 * host stored but could not acknowledge arrives twice, as it can in production.
 */
export class Balancer {
  readonly figures: BalancerFigures;
  readonly #skipUntil: number[];
  #next = 0;

  constructor(private readonly sockets: string[], private readonly options = { attemptMs: 1500, skipMs: 2000, deadlineMs: 60_000 }) {
    this.figures = { acknowledged: new Set(), answeredBy: sockets.map(() => 0), failovers: 0, unacknowledged: [] };
    this.#skipUntil = sockets.map(() => 0);
  }

  #pick(): number {
    const now = Date.now();
    for (let tries = 0; tries < this.sockets.length; tries += 1) {
      const index = this.#next++ % this.sockets.length;
      if ((this.#skipUntil[index] ?? 0) <= now) return index;
    }
    return this.#next++ % this.sockets.length;
  }

  async deliver(event: SignedDelivery): Promise<void> {
    const deadline = Date.now() + this.options.deadlineMs;
    while (Date.now() < deadline) {
      const index = this.#pick();
      const answer = await requestVia(this.sockets[index] ?? '', {
        method: 'POST', path: '/webhooks/stripe', body: event.body, timeoutMs: this.options.attemptMs,
        headers: { 'content-type': 'application/json', 'stripe-signature': event.signature },
      }).catch(() => undefined);
      if (answer && answer.status >= 200 && answer.status < 300) {
        this.figures.acknowledged.add(event.id);
        this.figures.answeredBy[index] = (this.figures.answeredBy[index] ?? 0) + 1;
        return;
      }
      this.figures.failovers += 1;
      this.#skipUntil[index] = Date.now() + this.options.skipMs;
    }
    this.figures.unacknowledged.push(event.id);
  }

  /** Delivers `events` on `lanes` parallel lanes, in order within the list. */
  async deliverAll(events: SignedDelivery[], lanes: number): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let event = events[next++]; event; event = events[next++]) await this.deliver(event);
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }
}
