import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StripeState } from './stripe-state.js';

/**
 * Serves a StripeState over HTTP, for workers in child processes (nock only reaches this process).
 * `hold(pattern)` makes matching requests wait until released, to catch a job mid-flight.
 */
export async function serveStripeState(state: StripeState): Promise<{ url: string; hold: (pattern: RegExp) => { release: () => void; waiting: () => number }; close: () => Promise<void> }> {
  const holds: { pattern: RegExp; waiting: (() => void)[]; released: boolean }[] = [];
  const server = http.createServer((req, res) => {
    const respond = () => {
      const [status, body, headers] = state.answer(req.method ?? 'GET', req.url ?? '/');
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_test', ...headers });
      res.end(JSON.stringify(body));
    };
    const hold = holds.find((entry) => !entry.released && entry.pattern.test(req.url ?? ''));
    if (hold) hold.waiting.push(respond);
    else respond();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (pattern) => {
      const entry = { pattern, waiting: [] as (() => void)[], released: false };
      holds.push(entry);
      return {
        release: () => { entry.released = true; for (const respond of entry.waiting.splice(0)) respond(); },
        waiting: () => entry.waiting.length,
      };
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
