import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { decodeCursor, page, pageLimit, rejectForgedCursor } from '../../admin/cursor.js';
import { parseInput } from '../../admin/parse-input.js';
import { viewerOf } from '../console-auth.js';
import { noticeOf } from '../console-forms.js';
import { eventsPage, eventStatuses, type EventListRow } from '../pages/events-page.js';
import { sendPage } from '../send-page.js';

const query = z.object({
  status: z.union([z.enum(eventStatuses), z.array(z.enum(eventStatuses))], { error: `must be one of ${eventStatuses.join(', ')}` }).optional(),
  cursor: z.string().max(1000).optional(),
  limit: pageLimit,
  done: z.string().optional(),
});

const cursorShape = z.tuple([z.string().min(1).max(64), z.string().min(1).max(255)]);

/** `GET /admin/console/events?status=`: failed and dead by default, keyset-paged by (received_at, id). */
export function eventRoutes(context: Context): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const input = parseInput(query, req.query, 'query');
    const statuses = input.status === undefined ? ['failed', 'dead'] : [input.status].flat();
    const { db } = context;
    const [rows, counts] = await Promise.all([
      db('stripe_events').whereIn('status', statuses)
        .modify((builder) => {
          if (input.cursor) {
            const [at, id] = decodeCursor(input.cursor, cursorShape);
            builder.whereRaw('(received_at, id) < (?::timestamptz, ?)', [at, id]);
          }
        })
        .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(input.limit + 1)
        .select<(EventListRow & { cursor_at: string })[]>('id', 'type', 'status', 'attempts', 'last_error', 'customer_id', 'received_at', db.raw('received_at::text as cursor_at'))
        .catch(rejectForgedCursor(input.cursor)),
      // Counts of the statuses worth counting quickly (the index on status); processed is most of the inbox and estimated elsewhere.
      db('stripe_events').whereIn('status', ['failed', 'dead', 'received', 'queued']).groupBy('status').select<{ status: string; count: string }[]>('status', db.raw('count(*)')),
    ]);
    const { data, next_cursor } = page(rows, input.limit, (row) => [row.cursor_at, row.id]);
    sendPage(res, eventsPage(viewerOf(res), {
      statuses, rows: data, nextCursor: next_cursor, counts: { failed: 0, dead: 0, received: 0, queued: 0, ...Object.fromEntries(counts.map((row) => [row.status, Number(row.count)])) },
    }, noticeOf(input.done)));
  });
  return router;
}
