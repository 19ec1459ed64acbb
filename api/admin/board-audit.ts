import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type { Context } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';
import { boardQueues, type BoardQueue } from '../../shared/infra/queues.js';
import { writeAudit } from '../../shared/audit.js';
import { adminActor } from './admin-actor.js';

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Bull Board's queue-wide actions: `/api/queues/:queue/<action>[/…]`; anything else after the queue is a job id. */
const queueActions = new Set(['add', 'retry', 'promote', 'clean', 'pause', 'resume', 'concurrency', 'rate-limit', 'empty', 'obliterate']);

interface Target { action: string; subjectType: string; subjectId: string; snapshot: () => Promise<unknown> }

const queueState = async (queue: Queue) => ({ paused: await queue.isPaused(), counts: await queue.getJobCounts() });

async function jobState(queue: Queue, id: string) {
  const job = await queue.getJob(id);
  return job ? { name: job.name, state: await job.getState(), attempts_made: job.attemptsMade, priority: job.priority, delay: job.delay } : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What a Bull Board write acts on, from its path under the board (e.g. `/api/queues/events/42/retry`). */
function targetOf(path: string, board: readonly BoardQueue[], all: readonly (readonly [string, Queue])[]): Target {
  const [api, section, name = '', ...rest] = path.split('/').filter(Boolean).map(decode);
  const queue = board.find((candidate) => candidate.boardName === name)?.queue;
  if (api === 'api' && section === 'queues' && rest.length === 0 && (name === 'pause' || name === 'resume')) {
    return { action: `queues.${name}`, subjectType: 'queues', subjectId: '*', snapshot: async () => Object.fromEntries(await Promise.all(all.map(async ([label, each]): Promise<[string, boolean]> => [label, await each.isPaused()]))) };
  }
  if (api === 'api' && section === 'queues' && queue && rest[0] === 'job-schedulers' && rest[1]) {
    const schedulerId = rest[1];
    return { action: `job_scheduler.${rest[2] ?? 'update'}`, subjectType: 'job_scheduler', subjectId: `${name}:${schedulerId}`, snapshot: async () => (await queue.getJobScheduler(schedulerId)) ?? null };
  }
  if (api === 'api' && section === 'queues' && queue && rest[0] && queueActions.has(rest[0])) {
    return { action: `queue.${rest[0]}`, subjectType: 'queue', subjectId: name, snapshot: () => queueState(queue) };
  }
  if (api === 'api' && section === 'queues' && queue && rest[0] && rest[1]) {
    const jobId = rest[0];
    return { action: `job.${rest.slice(1).join('.')}`, subjectType: 'job', subjectId: `${name}:${jobId}`, snapshot: () => jobState(queue, jobId) };
  }
  return { action: 'bull_board.request', subjectType: 'bull_board', subjectId: path, snapshot: () => Promise.resolve(null) };
}

/**
 * Audits every write made through Bull Board (retry, clean, pause, promote, …) like the admin JSON
 * routes: actor `key:<id>`, the request id, and the state of the queue or job before and after.
 * The row is written after Bull Board acted and before its answer leaves, so an answered action is
 * always on record. A refused action (4xx/5xx) changed nothing and is not recorded. Policy: when
 * the audit row cannot be written the caller gets a 500 `audit_failed` saying so, never a silent 200.
 */
export function boardAudit(context: Pick<Context, 'db' | 'queues' | 'shards' | 'logger'>) {
  const board = boardQueues(context.queues, context.shards);
  // Every queue by name, and each further shard's by its board name.
  const all = [...Object.values(context.queues).map((queue) => [queue.name, queue] as const), ...board.filter((entry) => entry.shard > 0).map((entry) => [entry.boardName, entry.queue] as const)];
  return async (req: Request, res: Response, next: NextFunction) => {
    if (readMethods.has(req.method)) return next();
    const target = targetOf(req.path, board, all);
    const before = await target.snapshot();
    const send = res.json.bind(res);
    res.json = ((body?: unknown) => {
      res.json = send;
      if (res.statusCode >= 400) return send(body);
      void target.snapshot()
        .then((after) => writeAudit(context.db, adminActor(res), {
          action: target.action, subjectType: target.subjectType, subjectId: target.subjectId, before, after,
          reason: `Bull Board: ${req.method} ${req.originalUrl}`,
        }))
        .then(() => send(body), (error: unknown) => {
          context.logger.error('a Bull Board action could not be audited', { error, method: req.method, path: req.originalUrl });
          res.status(500);
          send(new AppError(500, 'internal', 'audit_failed', 'the action was carried out, but its audit row could not be written').toJSON());
        });
      return res;
    }) as Response['json'];
    next();
  };
}
