import { Router } from 'express';
import type { Db } from '../../db';
import { userStatistics } from '../knowledge-queries';

/** `GET /api/stats`: the user's training statistics (what the nightly run wrote, and the user's own model). */
export function statsRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await userStatistics(deps.db, req.userId));
  });
  return router;
}
