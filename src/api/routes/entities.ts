import { Router } from 'express';
import type { Db } from '../../db';
import { notFound, parse } from '../errors';
import { getEntity, searchEntities } from '../knowledge-queries';
import { entityKeyParams, entitySearchQuery } from '../knowledge-schemas';

/** The people, organisations, places (and other entities) in the user's notes, and how they relate. */
export function entityRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const search = parse(entitySearchQuery, req.query, 'query');
    res.json({ entities: await searchEntities(deps.db, req.userId, search), limit: search.limit });
  });

  router.get('/:key', async (req, res) => {
    const { key } = parse(entityKeyParams, req.params, 'params');
    const entity = await getEntity(deps.db, req.userId, key.toLowerCase());
    if (!entity) throw notFound(`entity ${key}`);
    res.json(entity);
  });

  return router;
}
