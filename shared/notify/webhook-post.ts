import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { AppError, PermanentError } from '../errors.js';
import { isPrivateAddress, urlProblem, type UrlPolicy } from './webhook-url.js';

export interface PostResult { status: number; durationMs: number }

/** A URL or resolved address the policy forbids: retrying cannot fix it. */
export class BlockedUrlError extends PermanentError {
  constructor(message: string) {
    super(message, 'webhook_url_blocked');
    this.name = 'BlockedUrlError';
  }
}

/**
 * The endpoint could not be reached (no address, no answer): transient, with the network error
 * code (`ENOTFOUND`, `ETIMEDOUT`) a socket error would carry, as DNS callbacks expect.
 */
class NetworkError extends AppError {
  constructor(message: string, code: 'ENOTFOUND' | 'ETIMEDOUT') {
    super(503, 'unavailable', code, message);
    this.name = 'NetworkError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A DNS lookup that refuses private answers, so the address checked is the address connected to. */
function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!policy.allowPrivate && addresses.some((entry) => isPrivateAddress(entry.address))) {
        return callback(new BlockedUrlError(`${hostname} resolves to a loopback, private or reserved address`), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return first ? callback(null, first.address, first.family) : callback(new NetworkError(`no address for ${hostname}`, 'ENOTFOUND'), []);
    });
  };
}

/**
 * POSTs a JSON body; resolves with the status (any status, redirects included: they are not
 * followed). The response body is read and dropped (at most 64 KiB is drained, then the socket is
 * closed). Rejects on network errors, on the timeout, and with {@link BlockedUrlError} when the
 * URL or the address it resolves to is forbidden.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, policy: UrlPolicy, timeoutMs: number): Promise<PostResult> {
  const problem = urlProblem(url, policy);
  if (problem) return Promise.reject(new BlockedUrlError(`the endpoint URL ${problem}`));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = client.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'billing-webhooks/1', ...headers },
      lookup: guardedLookup(policy),
      timeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      agent: false,
    }, (response) => {
      let drained = 0;
      response.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > 64 * 1024) response.destroy();
      });
      const done = () => resolve({ status: response.statusCode ?? 0, durationMs: performance.now() - started });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('timeout', () => request.destroy(new NetworkError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT')));
    request.on('error', reject);
    request.end(body);
  });
}
