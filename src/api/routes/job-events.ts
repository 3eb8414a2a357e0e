import type { Request, Response } from 'express';
import type { Client } from '@temporalio/client';
import { notFound, parse } from '../errors';
import { getJob, type JobView } from '../jobs';
import { jobIdParams } from '../schemas';

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
    const first = await getJob(deps.client, jobId, req.userId);
    if (!first) throw notFound(`job ${jobId}`);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let open = true;
    req.on('close', () => {
      open = false;
    });
    const send = (event: string, view: JobView) => res.write(`event: ${event}\ndata: ${JSON.stringify(view)}\n\n`);

    let view: JobView | undefined = first;
    let last = '';
    let lastSent = 0;
    while (open && view) {
      if (CLOSED.has(view.status)) {
        send(view.status, view);
        break;
      }
      const serialised = JSON.stringify(view);
      if (serialised !== last || Date.now() - lastSent >= KEEPALIVE_MS) {
        send('progress', view);
        last = serialised;
        lastSent = Date.now();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      view = await getJob(deps.client, jobId, req.userId).catch(() => view);
    }
    res.end();
  };
}
