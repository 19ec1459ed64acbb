import { Agent, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as written: no URL normalisation, so odd encodings and dot segments reach the server. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/**
 * A client that sends requests byte for byte over kept-alive connections: for tests that send
 * thousands of requests (fuzzing) and must control paths, headers and bodies exactly.
 */
export function rawClient(baseUrl: string, settings: { maxSockets?: number; timeoutMs?: number } = {}) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: settings.maxSockets ?? 16 });
  const timeoutMs = settings.timeoutMs ?? 15_000;
  let sent = 0;
  const send = (options: RawRequest): Promise<RawResponse> => new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = request({
      agent, host: hostname, port: Number(port), method: options.method, path: options.path,
      headers: { ...options.headers, ...(body && { 'content-length': String(body.length) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // A request the server never answers is a finding, not a reason to hang the test.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms to ${options.method} ${options.path}`)));
    sent += 1;
    req.end(body);
  });
  return { send, sent: () => sent, close: () => agent.destroy() };
}

export type RawClient = ReturnType<typeof rawClient>;
