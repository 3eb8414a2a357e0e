import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { storedAlerts } from '../../monitoring/alert-store';
import { evaluateAlerts } from '../../monitoring/alerts';
import { requireAdmin } from '../auth';

// What the list of resolved alerts covers: a day, as far as anyone scrolls back on a dashboard.
const RECENT = { recentHours: 24, limit: 100 };

/**
 * GET /api/alerts (admins): the alerts the schedule has recorded (`firing` now, `recent`ly resolved), and
 * the rules evaluated at this request (`alerts`) with the queue state they saw and the Web UI's address.
 */
export function alertRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));
  router.get('/', async (_req, res) => {
    const [{ alerts, queues }, stored] = await Promise.all([evaluateAlerts(deps.client, deps.cfg), storedAlerts(deps.db, RECENT)]);
    res.json({ checkedAt: new Date().toISOString(), ...stored, alerts, queues, webUi: deps.cfg.monitoring.webUiUrl });
  });
  return router;
}
