import net from 'node:net';

export interface PartialAnswer { status: number; headers: string; body: string }

/**
 * Sends a request's head (announcing `contentLength` body bytes) and only `sendBytes` of its body,
 * then sends nothing more: an answer, if the server gives one, is the server's decision made
 * without the body. A server that waits for the body forever fails the call after `giveUpMs`.
 * Raw socket, loopback only, so nothing in a client library waits for the body to finish. Use it
 * from test files that do not load nock: nock holds every outgoing request until its body ends.
 */
export function partialRequest(baseUrl: string, options: { path: string; headers: Record<string, string>; contentLength: number; sendBytes: number; giveUpMs?: number }): Promise<PartialAnswer> {
  const { hostname, port } = new URL(baseUrl);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error('partialRequest talks to loopback only');
  const giveUpMs = options.giveUpMs ?? 8000;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    const finish = () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      if (!status) return reject(new Error(`no answer within ${giveUpMs} ms while the body was incomplete${received ? `; received: ${received.slice(0, 200)}` : ""}`));
      resolve({ status, headers: head, body: rest.join('\r\n\r\n') });
    };
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const [head, body] = received.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1] ?? -1);
      if (body !== undefined && length >= 0 && Buffer.byteLength(body) >= length) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(giveUp); finish(); });
    const head = [`POST ${options.path} HTTP/1.1`, `Host: ${hostname}:${port}`, ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`), `Content-Length: ${options.contentLength}`];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    if (options.sendBytes > 0) socket.write(Buffer.alloc(options.sendBytes, 0x7b));
  });
}
