import { BillingError, errorFrom } from './errors.js';
import { openEventStream } from './event-stream.js';
import { isEntitled, LiveCopy } from './live-copy.js';
import type { CustomerEntitlements, Entitlement, EntitlementsUpdatedEvent, FeatureAnswer } from './types.js';

export interface ClientOptions {
  /** The service's base URL, e.g. `https://billing.internal`. */
  baseUrl: string;
  /** An API key (`bk_read_…` for reads and one customer's stream; `bk_stream_…` for every customer). */
  apiKey: string;
  /** When the service cannot be reached: answer "entitled" (`true`) or "not entitled" (`false`). @defaultValue false (fail closed) */
  failOpen?: boolean;
  /** Per request. @defaultValue 5000 */
  timeoutMs?: number;
  /** A fetch implementation (tests, proxies). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface ReadOptions {
  /** Read-your-writes: wait until the customer's version is at least this (e.g. the version `sync` returned). */
  minVersion?: number;
  /** The longest wait for `minVersion`, at most 5000 ms. */
  waitMs?: number;
}

export interface FeatureOptions { failOpen?: boolean }

export interface SyncResult extends CustomerEntitlements { changed: boolean }

/** A live copy of one customer (or of every customer the stream mentions), kept current by the event stream. */
export interface Watch {
  /** Resolves once the copy holds the customer's current state (for `watchAll`, once the stream is open). */
  ready: Promise<void>;
  /** Synchronous: no network. Undefined when the customer is not held (a `watchAll` copy fetches it on `client.has`). */
  has: (feature: string, ref?: string) => boolean;
  value: (feature: string, ref?: string) => true | number | null;
  version: (ref?: string) => number;
  entitlements: (ref?: string) => Entitlement[] | undefined;
  /** Called after each change the copy applies. */
  onChange: (listener: (event: EntitlementsUpdatedEvent) => void) => () => void;
  close: () => void;
}

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = { authorization: `Bearer ${options.apiKey}` };
  const timeoutMs = options.timeoutMs ?? 5000;
  const watches = new Set<{ copy: LiveCopy; all: boolean }>();

  async function request<T>(path: string, init: RequestInit = {}, extraMs = 0): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { ...init, headers: { ...headers, ...init.headers }, signal: AbortSignal.timeout(timeoutMs + extraMs) });
    } catch (error) {
      throw new BillingError(0, 'unavailable', 'unreachable', `the service could not be reached: ${String(error)}`);
    }
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  const refPath = (ref: string) => `/v1/customers/${encodeURIComponent(ref)}`;

  /** `GET /v1/customers/:ref/entitlements`, optionally waiting for a version. Throws {@link BillingError}. */
  async function entitlements(ref: string, read: ReadOptions = {}): Promise<CustomerEntitlements> {
    const query = read.minVersion === undefined ? '' : `?min_version=${read.minVersion}${read.waitMs === undefined ? '' : `&wait_ms=${read.waitMs}`}`;
    return request<CustomerEntitlements>(`${refPath(ref)}/entitlements${query}`, {}, read.minVersion === undefined ? 0 : Math.min(read.waitMs ?? 5000, 5000));
  }

  function heldCopy(ref: string): LiveCopy | undefined {
    for (const watch of watches) if (watch.copy.holds(ref)) return watch.copy;
    return undefined;
  }

  /**
   * One feature. From a watched copy when one holds the customer (no network); else one read.
   * When the service is unreachable (network, timeout, 5xx) the fail-open/closed choice answers,
   * with `fallback: true`; other errors (a bad key, a bad reference) throw.
   */
  async function feature(ref: string, name: string, choice: FeatureOptions = {}): Promise<FeatureAnswer> {
    const copy = heldCopy(ref);
    if (copy) {
      const value = copy.entitlement(ref, name)?.value ?? null;
      return { feature: name, entitled: isEntitled(value), value, fallback: false };
    }
    try {
      const read = await entitlements(ref);
      const found = read.entitlements.find((entitlement) => entitlement.feature === name);
      if (found?.expires_at && Date.parse(found.expires_at) <= Date.now()) return { feature: name, entitled: false, value: null, fallback: false };
      return { feature: name, entitled: isEntitled(found?.value), value: found?.value ?? null, fallback: false };
    } catch (error) {
      if (!(error instanceof BillingError) || !error.unavailable) throw error;
      const open = choice.failOpen ?? options.failOpen ?? false;
      return { feature: name, entitled: open, value: null, fallback: true };
    }
  }

  const has = async (ref: string, name: string, choice?: FeatureOptions) => (await feature(ref, name, choice)).entitled;
  const value = async (ref: string, name: string, choice?: FeatureOptions) => (await feature(ref, name, choice)).value;

  /** `POST /v1/customers/:ref/sync` (a write key): fetch from Stripe now; returns the version to wait for elsewhere. */
  const sync = (ref: string) => request<SyncResult>(`${refPath(ref)}/sync`, { method: 'POST' }, 10_000);

  function startWatch(ref: string | undefined): Watch {
    const copy = new LiveCopy();
    const entry = { copy, all: ref === undefined };
    watches.add(entry);
    const listeners = new Set<(event: EntitlementsUpdatedEvent) => void>();
    let connected: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => { connected = resolve; });
    const refetch = async (which: string) => { copy.applyRead(which, await entitlements(which)); };
    const refetchAll = () => { for (const held of ref ? [ref] : copy.refs()) void refetch(held).catch(() => undefined); };
    const stream = openEventStream({ url: `${base}/v1/stream${ref ? `?customer=${encodeURIComponent(ref)}` : ''}`, headers, fetch: doFetch }, {
      onConnected: () => connected(),
      onResync: refetchAll,
      onEvent: (event) => {
        const before = copy.applyEvent(event);
        // Each event carries the whole list, so applying it is exact; a skipped version is refetched all the same.
        if (before >= 0 && event.data.version > before + 1) refetchAll();
        for (const listener of listeners) listener(event);
      },
    });
    // Stream first, then the read: an event between the two is applied by version, never lost.
    const ready = ref ? opened.then(() => refetch(ref)) : opened;
    const pick = (given?: string) => given ?? ref ?? '';
    const watch: Watch = {
      ready,
      has: (name, given) => isEntitled(copy.entitlement(pick(given), name)?.value),
      value: (name, given) => copy.entitlement(pick(given), name)?.value ?? null,
      version: (given) => copy.version(pick(given)),
      entitlements: (given) => copy.entitlements(pick(given)),
      onChange: (listener) => { listeners.add(listener); return () => { listeners.delete(listener); }; },
      close: () => { stream.close(); watches.delete(entry); },
    };
    return watch;
  }

  return {
    entitlements,
    feature,
    has,
    value,
    sync,
    /** Keeps an in-process copy of one customer, fed by its event stream (a read key suffices). */
    watch: (ref: string) => startWatch(ref),
    /** Keeps an in-process copy of every customer the stream mentions (a `stream` or admin key). */
    watchAll: () => startWatch(undefined),
  };
}

export type BillingClient = ReturnType<typeof createClient>;
