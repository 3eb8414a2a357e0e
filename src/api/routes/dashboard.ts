import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { dashboardSeries } from '../../monitoring/job-series';
import { requireAdmin } from '../auth';
import { parse } from '../errors';
import { dashboardSeriesQuery } from '../schemas';

/** GET /api/dashboard/series (admins): the dashboard's charts, per queue, over the last `minutes`. */
export function dashboardRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));
  router.get('/series', async (req, res) => {
    const { minutes } = parse(dashboardSeriesQuery, req.query, 'query');
    res.json(await dashboardSeries(deps.client, deps.cfg, minutes));
  });
  return router;
}
