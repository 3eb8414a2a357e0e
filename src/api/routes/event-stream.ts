import type { Request, Response } from 'express';
import type { Db } from '../../db';
import { eventsAfter, lastEventId } from '../../events';
import { logger } from '../../logging';
import { parse } from '../errors';
import { eventStreamHeaders } from '../schemas';
import { openEventStream } from '../sse';

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
const BATCH = 100;
/** How long a client waits before reconnecting; it then sends Last-Event-ID and misses nothing. */
const RECONNECT_MS = 1_000;

/**
 * `GET /api/events/stream`: the user's events as server-sent events (`id`, `event` = type, `data` = the
 * event), as they are recorded. A new stream starts at the present; with `Last-Event-ID` it resumes after
 * that event. Polls the events table by id cursor, so any API process can serve any client.
 */
export function eventStream(deps: { db: Db }) {
  return async (req: Request, res: Response) => {
    const headers = parse(eventStreamHeaders, { 'last-event-id': req.header('last-event-id') }, 'headers');
    let cursor = headers['last-event-id'] ?? (await lastEventId(deps.db, req.userId));

    const stream = openEventStream(req, res, { retryMs: RECONNECT_MS });
    let lastWrite = Date.now();
    // The stream ends when the server stops listening (see openEventStream) and on a database error;
    // either way the client reconnects with Last-Event-ID and misses nothing.
    try {
      while (stream.open) {
        const events = await eventsAfter(deps.db, req.userId, cursor, BATCH);
        for (const event of events) stream.send(event.type, event, event.id);
        if (events.length > 0) {
          cursor = events.at(-1)!.id;
          lastWrite = Date.now();
          if (events.length === BATCH) continue;
        } else if (Date.now() - lastWrite >= KEEPALIVE_MS) {
          stream.comment('keepalive');
          lastWrite = Date.now();
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      logger.warn({ err, requestId: req.id }, 'event stream ended by a database error');
    } finally {
      stream.end();
    }
  };
}
