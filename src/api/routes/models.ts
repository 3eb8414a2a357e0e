import { Router } from 'express';
import type { Db } from '../../db';
import { requireAdmin } from '../auth';
import { parse } from '../errors';
import { listModelsQuery } from '../schemas';

/** The classifier's versions, newest first, with their held-out metrics and which one is active (admins only). */
export function modelRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));

  router.get('/', async (req, res) => {
    const { limit } = parse(listModelsQuery, req.query, 'query');
    // The weights stay in the database: megabytes per model, of no use to a reader.
    const models = await deps.db.query(
      `SELECT id, source, active, created_at AS "createdAt", model->'labels' AS labels, metrics
       FROM classifier_models ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    res.json({ models });
  });

  return router;
}
