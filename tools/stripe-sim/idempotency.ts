import { SimError } from './errors.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface Entry extends StoredResponse {
  fingerprint: string;
}

/**
 * Stripe's idempotency: a POST with a key seen before replays the first response; the same key
 * with other parameters (or another endpoint) is a 400 `idempotency_error`.
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();

  /** The stored response for `key`, or undefined on first use. */
  lookup(key: string, fingerprint: string): StoredResponse | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.fingerprint !== fingerprint) {
      throw new SimError(400, 'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
    }
    return { status: entry.status, body: entry.body };
  }

  store(key: string, fingerprint: string, response: StoredResponse): void {
    this.#entries.set(key, { fingerprint, ...response });
  }

  clear(): void {
    this.#entries.clear();
  }
}
