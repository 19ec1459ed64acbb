import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/** What the receiver answers for one delivery: an HTTP status, chosen per event. */
export type ReceiverResponder = (event: Stripe.Event, delivery: number) => number;

export interface WebhookReceiver {
  url: string;
  /** Verified events in arrival order, duplicates included. */
  readonly received: Stripe.Event[];
  /** Deliveries whose signature did not verify. */
  readonly rejected: number;
  /** Deliveries per event id. */
  deliveries(eventId: string): number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A tiny webhook endpoint for tests and demos: verifies `Stripe-Signature` with the official
 * `stripe.webhooks.constructEvent`, records the event and answers `respond(event, n)` (200 by default).
 */
export async function startWebhookReceiver(secret: string, respond: ReceiverResponder = () => 200): Promise<WebhookReceiver> {
  const received: Stripe.Event[] = [];
  const counts = new Map<string, number>();
  let rejected = 0;
  const verifier = new Stripe('sk_test_receiver');
  const server: Server = createServer((request, response) => {
    void readBody(request).then((payload) => {
      let event: Stripe.Event;
      try {
        event = verifier.webhooks.constructEvent(payload, String(request.headers['stripe-signature'] ?? ''), secret);
      } catch {
        rejected += 1;
        response.writeHead(400).end('bad signature');
        return;
      }
      const count = (counts.get(event.id) ?? 0) + 1;
      counts.set(event.id, count);
      const status = respond(event, count);
      if (status >= 200 && status < 300) received.push(event);
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    get rejected() { return rejected; },
    deliveries: (eventId) => counts.get(eventId) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
