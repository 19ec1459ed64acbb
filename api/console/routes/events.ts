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

const countedStatuses = ['failed', 'dead', 'received', 'queued'];
const countCap = 1000;

const cursorShape = z.tuple([z.string().min(1).max(64), z.string().min(1).max(255)]);

/** `GET /admin/console/events?status=`: failed and dead by default, keyset-paged by (received_at, id). */
export function eventRoutes(context: Pick<Context, 'db'>): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const input = parseInput(query, req.query, 'query');
    const statuses = input.status === undefined ? ['failed', 'dead'] : [input.status].flat();
    const { db } = context;
    const [rows, counts] = await Promise.all([
      // One index range per status (stripe_events_status_received_idx), merged: a single scan over several statuses would sort them all.
      db.select<(EventListRow & { cursor_at: string })[]>('*').from(db.queryBuilder().unionAll(statuses.map((status) => db('stripe_events').where({ status })
        .modify((builder) => {
          if (input.cursor) {
            const [at, id] = decodeCursor(input.cursor, cursorShape);
            builder.whereRaw('(received_at, id) < (?::timestamptz, ?)', [at, id]);
          }
        })
        .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(input.limit + 1)
        .select('id', 'type', 'status', 'attempts', 'last_error', 'customer_id', 'received_at', db.raw('received_at::text as cursor_at'))), true).as('e'))
        .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(input.limit + 1)
        .catch(rejectForgedCursor(input.cursor)),
      // Counts of the statuses that should be few, each capped (a flood of dead letters must not make the page slow): 1000 means "1000 or more".
      db.raw<{ rows: { status: string; count: number }[] }>(countedStatuses.map(() => '(select ?::text as status, (select count(*) from (select 1 from stripe_events where status = ? limit ?) s)::int as count)').join(' union all '),
        countedStatuses.flatMap((status) => [status, status, countCap])).then(({ rows: counted }) => counted),
    ]);
    const { data, next_cursor } = page(rows, input.limit, (row) => [row.cursor_at, row.id]);
    sendPage(res, eventsPage(viewerOf(res), {
      statuses, rows: data, nextCursor: next_cursor, counts: Object.fromEntries(counts.map((row) => [row.status, row.count])),
    }, noticeOf(input.done)));
  });
  return router;
}
