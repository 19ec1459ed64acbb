import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in Stripe API (`STRIPE_API_BASE`) that answers every request with a 500 and records it:
 * for tests whose inputs must all be refused before Stripe is called. Unlike nock, it leaves the
 * test's own HTTP requests untouched (nock's interceptor reads and decodes every request body).
 */
export async function stripeTripwire(): Promise<{ url: string; calls: () => string[]; close: () => Promise<void> }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method ?? '?'} ${req.url ?? '?'}`);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'api_error', message: 'this test expects no Stripe call' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => [...calls],
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
