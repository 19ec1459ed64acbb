import express, { type NextFunction, type Request, type Response } from 'express';
import { badRequest } from '../../shared/errors.js';
import { jobDataProblem } from '../../shared/job-data.js';
import type { BoardQueue } from '../../shared/infra/queues.js';

/** `POST /api/queues/:queue/add` and `PATCH /api/queues/:queue/:job/update-data` under the board. */
const addJob = /^\/api\/queues\/([^/]+)\/add$/;
const editJob = /^\/api\/queues\/([^/]+)\/([^/]+)\/update-data$/;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Jobs added or edited through Bull Board must carry data their processor can run
 * ({@link jobDataProblem}); anything else is a 400 `invalid_job_data` and never reaches a queue,
 * so no job is left that can neither run nor be parked. The body is read here as JSON only.
 */
export function boardJobGuard(queues: readonly BoardQueue[]) {
  const json = express.json({ limit: '100kb', type: () => true });
  const byName = new Map(queues.map((entry) => [entry.boardName, entry]));
  return (req: Request, res: Response, next: NextFunction) => {
    const added = req.method === 'POST' ? addJob.exec(req.path) : null;
    const edited = req.method === 'PATCH' ? editJob.exec(req.path) : null;
    const boardName = decode((added ?? edited)?.[1] ?? '');
    // A shard's queue (`q2-events`) runs the same processor as its queue.
    const queueName = byName.get(boardName)?.name ?? boardName;
    if (!added && !edited) return next();
    if (!req.is('application/json')) return next(badRequest('invalid_job_data', 'a job is sent as JSON (Content-Type: application/json)'));
    json(req, res, (error?: unknown) => {
      if (error) return next(error);
      void (async () => {
        const body = (req.body ?? {}) as { name?: unknown; data?: unknown };
        const jobId = edited?.[2] ? decode(edited[2]) : undefined;
        const name = jobId ? (await byName.get(boardName)?.queue.getJob(jobId))?.name : body.name;
        if (typeof name !== 'string') return next(badRequest('invalid_job_data', 'the job needs a name'));
        const problem = jobDataProblem(queueName, name, body.data);
        next(problem ? badRequest('invalid_job_data', problem) : undefined);
      })().catch(next);
    });
  };
}
