import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StripeAnswer, StripeState } from './stripe-state.js';

export interface HoldOptions {
  /** Answer with the state as it was when the request arrived (a slow network), not as it is at release. */
  answerAtArrival?: boolean;
  /** Hold only the first `times` matching requests; later ones are answered at once. */
  times?: number;
}

/**
 * Serves a StripeState over HTTP, for workers in child processes (nock only reaches this process).
 * `hold(pattern)` makes matching requests wait until released, to catch a job mid-flight.
 */
export async function serveStripeState(state: StripeState): Promise<{ url: string; hold: (pattern: RegExp, options?: HoldOptions) => { release: () => void; waiting: () => number }; close: () => Promise<void> }> {
  const holds: { pattern: RegExp; options: HoldOptions; waiting: (() => void)[]; held: number; released: boolean }[] = [];
  const server = http.createServer((req, res) => {
    const send = ([status, body, headers]: StripeAnswer) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_test', ...headers });
      res.end(JSON.stringify(body));
    };
    const answer = () => state.answer(req.method ?? 'GET', req.url ?? '/');
    const hold = holds.find((entry) => !entry.released && entry.held < (entry.options.times ?? Infinity) && entry.pattern.test(req.url ?? ''));
    if (hold) hold.held += 1;
    if (!hold) send(answer());
    else if (hold.options.answerAtArrival) {
      const early = structuredClone(answer());
      hold.waiting.push(() => send(early));
    } else hold.waiting.push(() => send(answer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (pattern, options = {}) => {
      const entry = { pattern, options, waiting: [] as (() => void)[], held: 0, released: false };
      holds.push(entry);
      return {
        release: () => { entry.released = true; for (const respond of entry.waiting.splice(0)) respond(); },
        waiting: () => entry.waiting.length,
      };
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
