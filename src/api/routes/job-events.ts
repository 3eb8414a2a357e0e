import type { Request, Response } from 'express';
import type { Client } from '@temporalio/client';
import { badStreamToken } from '../auth';
import { notFound, parse } from '../errors';
import { getJob, type JobView } from '../jobs';
import { jobIdParams } from '../schemas';
import { openEventStream } from '../sse';

const POLL_MS = 500;
const KEEPALIVE_MS = 2_000;
const CLOSED = new Set(['completed', 'failed', 'cancelled']);

/**
 * `GET /api/jobs/:jobId/events`: server-sent events with the job view. A `progress` event whenever the
 * view changes and at least every 2 s, then one final `completed`, `failed` or `cancelled` event.
 */
export function jobEvents(deps: { client: Client }) {
  return async (req: Request, res: Response) => {
    const { jobId } = parse(jobIdParams, req.params, 'params');
    // The stream is the owner's only (a stream token names a user, not a role).
    const viewer = { userId: req.userId, admin: false };
    const first = await getJob(deps.client, jobId, viewer);
    if (!first) throw req.streamToken ? badStreamToken() : notFound(`job ${jobId}`);

    const stream = openEventStream(req, res);

    let view: JobView | undefined = first;
    let last = '';
    let lastSent = 0;
    while (stream.open && view) {
      if (CLOSED.has(view.status)) {
        stream.send(view.status, view);
        break;
      }
      const serialised = JSON.stringify(view);
      if (serialised !== last || Date.now() - lastSent >= KEEPALIVE_MS) {
        stream.send('progress', view);
        last = serialised;
        lastSent = Date.now();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      view = await getJob(deps.client, jobId, viewer).catch(() => view);
    }
    stream.end();
  };
}
