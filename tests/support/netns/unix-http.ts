import http from 'node:http';

export interface UnixAnswer { status: number; body: string }

/**
 * One HTTP request over a Unix socket (a forwarder's, see forwarder.ts), with a hard timeout:
 * a host whose cable is pulled never answers, and the caller must learn that in bounded time.
 */
export function requestVia(socketPath: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<UnixAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, method: options.method ?? 'GET', path: options.path, headers: { ...options.headers, ...(options.body !== undefined && { 'content-length': String(Buffer.byteLength(options.body)) }) } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.setTimeout(options.timeoutMs ?? 5000, () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 5000} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
