import { Router } from 'express';
import type { Db } from '../../db';
import { HttpError, notFound, parse } from '../errors';
import { recommendInsights } from '../knowledge-queries';
import { recommendationsQuery } from '../knowledge-schemas';
import { insightIdParams } from '../schemas';

/** `GET /api/insights/:insightId/recommendations`: the user's other notes to read next, with the reason. */
export function recommendationRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/:insightId/recommendations', async (req, res) => {
    const { insightId } = parse(insightIdParams, req.params, 'params');
    const { limit } = parse(recommendationsQuery, req.query, 'query');
    const found = await recommendInsights(deps.db, req.userId, insightId, limit);
    if (!found) throw notFound(`insight ${insightId}`);
    if (found.pending) throw new HttpError(409, 'not_ready', `insight ${insightId} is still being analysed; ask again when its job has finished`);
    res.json({ insightId, recommendations: found.recommendations });
  });

  return router;
}
