import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { listReader } from '../../../shared/infra/replicas.js';
import { adminActor } from '../admin-actor.js';
import { decodeCursor, page, pageLimit, rejectForgedCursor } from '../cursor.js';
import { parseInput } from '../parse-input.js';
import { replayEvent } from '../replay-event.js';

const statuses = ['received', 'queued', 'processed', 'ignored', 'failed', 'dead'] as const;

const listQuery = z.strictObject({
  status: z.enum(statuses, { error: `must be one of ${statuses.join(', ')}` }).optional(),
  type: z.string().regex(/^[\w.]{1,200}$/, 'must be a Stripe event type such as invoice.paid').optional(),
  limit: pageLimit,
  cursor: z.string().max(1000).optional(),
});

/** The sort key (received_at as Postgres text, so microseconds survive the round trip; id). */
const cursorShape = z.tuple([z.string().min(1).max(64), z.string().min(1).max(255)]);

interface EventRow { id: string; cursor_at: string; [column: string]: unknown }

/**
 * `GET /admin/events?status=&type=&limit=&cursor=` → `{data, next_cursor}`, newest first by
 * (received_at, id); the payload is left out. `POST /admin/events/:id/replay` → 202.
 */
export function eventRoutes(context: Pick<Context, 'db' | 'replicas' | 'queues' | 'shards'>, admin: RequestHandler): Router {
  const router = Router();
  router.get('/admin/events', admin, async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    // A list decides nothing: a read replica within REPLICA_MAX_LAG_MS serves it when there is one.
    const db = listReader(context);
    const rows = await db('stripe_events')
      .modify((builder) => {
        if (query.status) builder.where({ status: query.status });
        if (query.type) builder.where({ type: query.type });
        if (query.cursor) {
          const [at, id] = decodeCursor(query.cursor, cursorShape);
          builder.whereRaw('(received_at, id) < (?::timestamptz, ?)', [at, id]);
        }
      })
      .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(query.limit + 1)
      .select<EventRow[]>('id', 'type', 'status', 'attempts', 'last_error', 'customer_id', 'livemode', 'api_version', 'correlation_id',
        'stripe_created', 'received_at', 'queued_at', 'processed_at', db.raw('received_at::text as cursor_at'))
      .catch(rejectForgedCursor(query.cursor));
    const { data, next_cursor } = page(rows, query.limit, (row) => [row.cursor_at, row.id]);
    res.json({ data: data.map(({ cursor_at: _cursor, ...row }) => row), next_cursor });
  });
  router.post('/admin/events/:id/replay', admin, async (req, res) => {
    res.status(202).json(await replayEvent(context, String(req.params.id), adminActor(res)));
  });
  return router;
}
