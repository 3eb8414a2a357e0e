import { Router } from 'express';
import type { Db } from '../../db';
import { parse } from '../errors';
import { listReportsQuery } from '../schemas';

/** The calling user's periodic reports (made by the report schedule), newest period first. */
export function reportRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { limit } = parse(listReportsQuery, req.query, 'query');
    const reports = await deps.db.query(
      `SELECT id::text, period_start AS "periodStart", period_end AS "periodEnd", created_at AS "createdAt", data
       FROM reports WHERE user_id = $1 ORDER BY period_end DESC, id DESC LIMIT $2`,
      [req.userId, limit],
    );
    res.json({ reports });
  });

  return router;
}
