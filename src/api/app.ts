import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db';
import { logger } from '../logging';
import { metricsHandler, observeRequest, trackRoute } from '../monitoring/app-metrics';
import { acceptStreamToken, requireAdmin, requireUser } from './auth';
import { dashboardPage, uplotAssets } from './dashboard';
import { errorHandler, HttpError, parse, unknownRoute } from './errors';
import { rateLimit } from './rate-limit';
import { adminUserRoutes } from './routes/admin-users';
import { alertRoutes } from './routes/alerts';
import { dashboardRoutes } from './routes/dashboard';
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
import { requireUtf8 } from './utf8';
import { issueStreamToken, streamTokenSecret } from './stream-tokens';

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

/** METRICS_TOKEN set: /metrics asks for it as a Bearer token (compared in constant time). */
function metricsAuth(token: string | undefined): RequestHandler {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return (req, _res, next) => {
    if (token === undefined) return next();
    const given = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), digest(token))) return next();
    next(new HttpError(401, 'unauthorized', 'missing or wrong Authorization: Bearer <METRICS_TOKEN> header'));
  };
}

/**
 * CORS for the browser front ends of CORS_ORIGINS, preflight included. A request from any other origin gets
 * no CORS header at all (the browser then keeps the answer from the page). Keys travel in the Authorization
 * header, never in cookies, so credentials stay off.
 */
function corsFor(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['location', 'retry-after', 'x-request-id'],
    maxAge: 600,
  });
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.header('origin');
    if (origin !== undefined && allowed.has(origin)) return handler(req, res, next);
    next();
  };
}

const streamTokenBody = z.object({}).strict().optional();

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

  app.get('/metrics', metricsAuth(deps.cfg.security.metricsToken), metricsHandler(deps));
  // The page holds no data: it asks for a key and calls the API with it.
  app.get('/dashboard', dashboardPage(deps.cfg));
  app.use('/dashboard/vendor/uplot', uplotAssets);

  const { limits, security } = deps.cfg;
  const api = express.Router();
  if (security.corsOrigins.length > 0) api.use(corsFor(security.corsOrigins));
  api.use(express.json({ limit: deps.cfg.api.bodyLimit, verify: requireUtf8 }));
  let secret: Promise<Buffer> | undefined;
  const tokenSecret = () => {
    secret ??= streamTokenSecret(deps.db, security.streamTokenSecret).catch((err: unknown) => {
      secret = undefined;
      throw err;
    });
    return secret;
  };
  // Only the two streams take a token in the URL: EventSource cannot send headers; every other route can.
  api.get(['/jobs/:jobId/events', '/events/stream'], acceptStreamToken(deps.db, tokenSecret));
  api.use(requireUser(deps.db));
  const requestLimit = rateLimit({ perMinute: limits.requestsPerMinute, burst: limits.requestsBurst, what: 'requests', pool: deps.db.pool });
  api.use((req, res, next) => {
    const search = req.method === 'GET' && req.path === '/insights' && req.query.q !== undefined;
    if (search || !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return requestLimit(req, res, next);
    next();
  });
  const jobLimit = rateLimit({ perMinute: limits.jobsPerMinute, burst: limits.burst, what: 'jobs', pool: deps.db.pool });
  api.post('/insights', jobLimit);
  api.post('/audio', jobLimit);
  api.post('/stream-tokens', async (req, res) => {
    parse(streamTokenBody, req.body, 'body');
    const exp = Date.now() + security.streamTokenTtlSec * 1000;
    const token = issueStreamToken(await tokenSecret(), { userId: req.userId, keyId: req.keyId, exp });
    res.status(201).json({ token, expiresAt: new Date(exp).toISOString() });
  });
  api.use('/admin', requireAdmin(deps.db), adminUserRoutes(deps));
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
  api.use('/dashboard', dashboardRoutes(deps));
  app.use('/api', api);

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
