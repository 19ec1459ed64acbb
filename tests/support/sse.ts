/** A Server-Sent Events frame as a test reads it; comments (heartbeats) are kept as `comment`. */
export interface SseFrame { id?: string; event?: string; data?: string; comment?: string }

export interface SseReader {
  status: number;
  headers: Headers;
  /** The next frame that satisfies `accept` (earlier ones are consumed); rejects when the stream ends first. */
  next: (accept?: (frame: SseFrame) => boolean) => Promise<SseFrame>;
  close: () => void;
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const match = /^(id|event|data): ?(.*)$/.exec(line);
    if (match) frame[match[1] as 'id' | 'event' | 'data'] = match[2];
  }
  return frame;
}

/** Opens an event stream with fetch and reads it frame by frame. */
export async function openStream(url: string, key: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: SseFrame[] = [];
  const pull = async (): Promise<boolean> => {
    if (!reader) return false;
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      frames.push(parseFrame(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
    }
    return true;
  };
  return {
    status: response.status,
    headers: response.headers,
    async next(accept = () => true) {
      for (;;) {
        while (frames.length > 0) {
          const frame = frames.shift()!;
          if (accept(frame)) return frame;
        }
        if (!(await pull().catch(() => false))) throw new Error('the stream ended');
      }
    },
    close: () => controller.abort(),
  };
}

export const isEvent = (type: string) => (frame: SseFrame) => frame.event === type;
