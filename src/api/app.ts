import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db';
import { logger } from '../logging';
import { metricsHandler, observeRequest, trackRoute } from '../monitoring/app-metrics';
import { requireUser } from './auth';
import { dashboardPage } from './dashboard';
import { errorHandler, unknownRoute } from './errors';
import { jobRateLimit } from './rate-limit';
import { alertRoutes } from './routes/alerts';
import { audioRoutes } from './routes/audio';
import { entityRoutes } from './routes/entities';
import { eventRoutes } from './routes/events';
import { insightRoutes } from './routes/insights';
import { jobRoutes } from './routes/jobs';
import { modelRoutes } from './routes/models';
import { recommendationRoutes } from './routes/recommendations';
import { reportRoutes } from './routes/reports';
import { scheduleRoutes } from './routes/schedules';
import { statsRoutes } from './routes/stats';
import { trainingRoutes } from './routes/training';
import { webhookRoutes } from './routes/webhooks';

export interface ApiDeps {
  client: Client;
  db: Db;
  cfg: Config;
}

async function readiness(deps: ApiDeps): Promise<string[]> {
  const down: string[] = [];
  await deps.client.connection
    .withDeadline(Date.now() + 2_000, () => deps.client.workflowService.getSystemInfo({}))
    .catch(() => down.push('temporal'));
  await deps.db.query('SELECT 1').catch(() => down.push('database'));
  return down;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    req.id = req.header('x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    trackRoute(req);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ requestId: req.id, method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
      observeRequest(req, res.statusCode, ms);
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const down = await readiness(deps);
    if (down.length === 0) res.json({ status: 'ready' });
    else
      res.status(503).json({
        error: { code: 'not_ready', message: `not reachable: ${down.join(', ')}`, details: { down } },
      });
  });

  // Unauthenticated like /healthz, for Prometheus and the browser: keep the port internal.
  app.get('/metrics', metricsHandler(deps));
  app.get('/dashboard', dashboardPage);

  const api = express.Router();
  api.use(express.json({ limit: deps.cfg.api.bodyLimit }));
  api.use(requireUser(deps.db));
  const jobLimit = jobRateLimit({ perMinute: deps.cfg.limits.jobsPerMinute, burst: deps.cfg.limits.burst });
  api.post('/insights', jobLimit);
  api.post('/audio', jobLimit);
  api.use('/insights', insightRoutes(deps));
  api.use('/insights', recommendationRoutes(deps));
  api.use('/entities', entityRoutes(deps));
  api.use('/stats', statsRoutes(deps));
  api.use('/jobs', jobRoutes(deps));
  api.use('/audio', audioRoutes(deps));
  api.use('/schedules', scheduleRoutes(deps));
  api.use('/reports', reportRoutes(deps));
  api.use('/training', trainingRoutes(deps));
  api.use('/models', modelRoutes(deps));
  api.use('/webhooks', webhookRoutes(deps));
  api.use('/events', eventRoutes(deps));
  api.use('/alerts', alertRoutes(deps));
  app.use('/api', api);

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
