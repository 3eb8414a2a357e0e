import { Router } from 'express';
import type { Db } from '../../db';
import { eventsAfter } from '../../events';
import { parse } from '../errors';
import { eventsQuery } from '../schemas';
import { eventStream } from './event-stream';

export function eventRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { after, limit } = parse(eventsQuery, req.query, 'query');
    const events = await eventsAfter(deps.db, req.userId, after, limit);
    res.json({ events, next: events.at(-1)?.id ?? after });
  });

  router.get('/stream', eventStream(deps));

  return router;
}
