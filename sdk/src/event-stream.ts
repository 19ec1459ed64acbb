import { BillingError, errorFrom } from './errors.js';
import type { EntitlementsUpdatedEvent } from './types.js';

export interface StreamHandlers {
  onEvent: (event: EntitlementsUpdatedEvent) => void;
  /** The service could not replay everything missed: refetch what you hold. */
  onResync: () => void;
  onConnected?: () => void;
  onError?: (error: unknown) => void;
}

export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** First reconnect delay (doubles, capped at 30 s). @defaultValue 500 */
  retryMs?: number;
}

/**
 * Reads `GET /v1/stream` with fetch and keeps it open: after a disconnect it reconnects with
 * `Last-Event-ID`, so nothing is missed (or the service sends `resync`). A 401/403/400 stops it.
 */
export function openEventStream(options: StreamOptions, handlers: StreamHandlers): { close: () => void } {
  let lastEventId: string | undefined;
  let closed = false;
  let controller: AbortController | undefined;
  let delay = options.retryMs ?? 500;

  const dispatch = (block: string) => {
    let id: string | undefined;
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    if (id) lastEventId = id;
    if (event === 'resync') handlers.onResync();
    else if (event === 'entitlements.updated' && data) handlers.onEvent(JSON.parse(data) as EntitlementsUpdatedEvent);
  };

  const run = async () => {
    while (!closed) {
      controller = new AbortController();
      try {
        const response = await options.fetch(options.url, {
          headers: { ...options.headers, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const error = await errorFrom(response);
          if (!error.unavailable) {
            handlers.onError?.(error);
            return;
          }
          throw error;
        }
        delay = options.retryMs ?? 500;
        handlers.onConnected?.();
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = (await reader.read()) as { value: Uint8Array | undefined; done: boolean };
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (error) {
        if (closed) return;
        handlers.onError?.(error instanceof BillingError ? error : new BillingError(0, 'unavailable', 'unreachable', String(error)));
      }
      if (closed) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void run();
  return { close: () => { closed = true; controller?.abort(); } };
}
