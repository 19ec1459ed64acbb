import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import test from 'ava';
import Stripe from 'stripe';
import { GracefulClose } from '../../api/graceful-close.js';
import { webhookSecret } from '../support/config.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { stripeApiVersion } from '../../shared/infra/stripe.js';

interface Answer { status: number; headers: Record<string, string>; body: string }

/**
 * One kept-alive HTTP/1.1 connection written byte for byte, so a test decides exactly when each
 * request (or half of one) is sent. Answers must carry Content-Length (every answer here does).
 */
async function connection(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffer = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => { buffer = Buffer.concat([buffer, chunk]); waiting?.(); });
  const closed = new Promise<void>((resolve) => socket.once('close', () => { ended = true; waiting?.(); resolve(); }));
  const parse = (): Answer | undefined => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = buffer.subarray(0, end).toString().split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (buffer.length < end + 4 + length) return undefined;
    const body = buffer.subarray(end + 4, end + 4 + length).toString();
    buffer = buffer.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  };
  const answer = async (): Promise<Answer> => {
    for (;;) {
      const parsed = parse();
      if (parsed) return parsed;
      if (ended) throw new Error('connection closed before an answer');
      await new Promise<void>((resolve) => { waiting = resolve; });
    }
  };
  return { write: (text: string) => socket.write(text), answer, closed, destroy: () => socket.destroy() };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

test('a stopping api: readyz turns 503, the request in flight is answered with Connection: close, idle connections are closed', async (t) => {
  const { api } = await startServices(t);
  const idle = await connection(api.port);
  const busy = await connection(api.port);
  t.teardown(() => { idle.destroy(); busy.destroy(); });

  // A kept-alive connection that then stays idle.
  idle.write(get('/healthz'));
  t.is((await idle.answer()).headers.connection, 'keep-alive');

  // A webhook whose body is only half sent when the stop begins: a request in flight. (Built here,
  // not with the webhook helpers: those load nock, which holds a request back until its body ends.)
  const payload = JSON.stringify({
    id: `evt_${randomBytes(6).toString('hex')}`, object: 'event', type: 'product.updated', api_version: stripeApiVersion,
    created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
    data: { object: { id: `prod_${randomBytes(6).toString('hex')}`, object: 'product' } },
  });
  const signature = new Stripe('sk_test_123').webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
  const half = Math.floor(payload.length / 2);
  busy.write(`POST /webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nStripe-Signature: ${signature}\r\n\r\n${payload.slice(0, half)}`);
  await eventually(() => Promise.resolve(api.graceful.inFlight === 1), 10_000);

  api.graceful.begin();
  const readiness = await fetch(`http://127.0.0.1:${api.port}/readyz`);
  t.is(readiness.status, 503);
  t.is(((await readiness.json()) as { status: string }).status, 'draining');
  t.is(readiness.headers.get('connection'), 'close');

  const stopped = api.stop();
  busy.write(payload.slice(half));
  const answered = await busy.answer();
  t.is(answered.status, 200, answered.body);
  t.is(answered.headers.connection, 'close');
  await busy.closed;
  await stopped;
  await idle.closed;
  t.is(api.graceful.openConnections, 0);
  await t.throwsAsync(fetch(`http://127.0.0.1:${api.port}/healthz`), undefined, 'the port is closed');
});

test('a kept-alive connection still in use when the close begins gets its next answer with Connection: close, not a reset', async (t) => {
  const server = createServer((_req, res) => { res.setHeader('content-length', 2).end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const graceful = new GracefulClose(server, { idleGraceMs: 60_000 });
  const client = await connection(port);
  t.teardown(() => { client.destroy(); server.closeAllConnections(); });

  client.write(get('/one'));
  t.is((await client.answer()).headers.connection, 'keep-alive');
  const closed = graceful.close();
  client.write(get('/two'));
  const second = await client.answer();
  t.is(second.status, 200);
  t.is(second.body, 'ok');
  t.is(second.headers.connection, 'close');
  await client.closed;
  await closed;
  t.is(graceful.openConnections, 0);
});
