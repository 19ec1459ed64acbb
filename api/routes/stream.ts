import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Context } from '../../shared/context.js';
import { refKind } from '../../shared/entitlements/read.js';
import { badRequest } from '../../shared/errors.js';
import type { ChangeFeed } from '../../shared/notify/change-feed.js';
import { isLogId, logPosition, readLogAfter } from '../../shared/notify/change-log.js';
import { parseInput } from '../admin/parse-input.js';
import { requireScope, type KeyVerifier } from '../middleware/authenticate.js';
import { StreamClient } from './stream-client.js';

const streamQuery = z.strictObject({
  customer: z.string().refine((ref) => refKind(ref) !== undefined, 'must be a Stripe customer id (cus_…) or a user id of 1–200 characters from [A-Za-z0-9_.:@|+-]').optional(),
  /** For clients that cannot send headers (EventSource's first connection). */
  last_event_id: z.string().optional(),
});

const replayPage = 1000;

/** `resync`: the events after the client's id are no longer all in the log; refetch, then go on from `id`. */
const resyncFrame = (id: string, reason: string) => `id: ${id}\nevent: resync\ndata: ${JSON.stringify({ reason })}\n\n`;

/**
 * `GET /v1/stream?customer=REF` (scope read) and `GET /v1/stream` (every customer: scope stream or
 * admin): Server-Sent Events of entitlement changes, resumable with `Last-Event-ID` from the change
 * log (kept `STREAM_RETENTION_HOURS`); a resume from before what the log holds gets a `resync` event.
 * Comments every `STREAM_HEARTBEAT_SECONDS` keep proxies from closing an idle stream.
 */
export function streamRoutes(context: Pick<Context, 'config' | 'redis' | 'logger' | 'metrics'>, verify: KeyVerifier, feed: ChangeFeed): Router {
  const router = Router();
  const { config, metrics, redis } = context;
  const oneCustomer = requireScope(verify, 'read');
  const everyCustomer = requireScope(verify, 'stream');
  const authorise = (req: Request, res: Response, next: NextFunction) =>
    (typeof req.query.customer === 'string' ? oneCustomer : everyCustomer)(req, res, next);

  router.get('/v1/stream', authorise, async (req, res) => {
    const query = parseInput(streamQuery, req.query, 'query');
    const lastEventId = req.get('last-event-id') ?? query.last_event_id;
    if (lastEventId !== undefined && !isLogId(lastEventId)) throw badRequest('invalid_last_event_id', 'Last-Event-ID must be an id this stream sent (digits-digits)');
    await feed.ready();
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 2000\n\n');

    const client = new StreamClient(res, lastEventId ?? '0-0', {
      customer: query.customer,
      maxBufferBytes: config.STREAM_MAX_BUFFER_BYTES,
      onCutOff: () => metrics.streamCutOff.inc(),
    });
    // Subscribed before the log is read: entries appended meanwhile wait in the client, so none is lost.
    const unsubscribe = feed.subscribe({
      entries: (entries) => client.live(entries),
      resync: (id) => { client.cursor = id; client.write(resyncFrame(id, 'log_reset')); },
      end: () => client.end(),
    });
    metrics.streamClients.inc();
    const heartbeat = setInterval(() => client.write(': keep-alive\n\n'), config.STREAM_HEARTBEAT_SECONDS * 1000);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      metrics.streamClients.dec();
    });

    try {
      await catchUp(client, lastEventId);
    } catch (error) {
      // The headers are gone: no error body can follow. The client reconnects and resumes.
      context.logger.warn('event stream: catching up failed; closing the stream', { error });
      client.end();
      return;
    }
    client.goLive();
  });

  async function catchUp(client: StreamClient, lastEventId: string | undefined): Promise<void> {
    if (lastEventId !== undefined) {
      const position = await logPosition(redis, config.REDIS_PREFIX, lastEventId);
      if (position.gap) {
        client.cursor = position.last;
        client.write(resyncFrame(position.last, 'log_trimmed'));
      } else {
        for (;;) {
          const page = await readLogAfter(redis, config.REDIS_PREFIX, client.cursor, replayPage);
          await client.replay(page);
          if (page.length < replayPage || client.closed) break;
        }
      }
    } else {
      // A fresh stream starts at the feed's present: the app reads the current state itself.
      client.cursor = (await logPosition(redis, config.REDIS_PREFIX, '0-0')).last;
    }
  }
  return router;
}
