import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { evaluateAlerts } from '../../monitoring/alerts';
import { requireAdmin } from '../auth';

/** GET /api/alerts (admins): the rules evaluated now, with the queue state they saw and the Web UI's address. */
export function alertRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));
  router.get('/', async (_req, res) => {
    const { alerts, queues } = await evaluateAlerts(deps.client, deps.cfg);
    res.json({ checkedAt: new Date().toISOString(), alerts, queues, webUi: deps.cfg.monitoring.webUiUrl });
  });
  return router;
}
