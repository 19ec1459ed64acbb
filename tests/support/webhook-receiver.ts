import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }

/**
 * An HTTP server that records what it receives and answers what `answer` says (a status and
 * optional headers). `next()` resolves with the next request not yet consumed.
 */
export async function webhookReceiver(answer: (received: Received, index: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const waiters: ((item: Received) => void)[] = [];
  let consumed = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const item = { path: req.url ?? '', headers: req.headers, body };
      const index = received.push(item) - 1;
      const reply = answer(item, index);
      res.writeHead(reply.status, reply.headers).end('ok');
      const waiter = waiters.shift();
      if (waiter) waiter(item);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    next(): Promise<Received> {
      if (consumed < received.length) return Promise.resolve(received[consumed++]);
      return new Promise((resolve) => waiters.push((item) => { consumed += 1; resolve(item); }));
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
