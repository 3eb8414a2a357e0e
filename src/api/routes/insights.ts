import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { insightWorkflow } from '../../workflows';
import { insightJobId } from '../../workflows/identity';
import type { Db } from '../../db';
import { notFound, parse } from '../errors';
import { getInsight, labelInsight, searchInsights } from '../insight-queries';
import { insightBodySchema, insightIdParams, labelBody, searchInsightsQuery } from '../schemas';
import { acceptedJob, refuseTestHooks, startJob } from '../start-job';

export function insightRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  const bodySchema = insightBodySchema(deps.cfg.api.maxTextChars);

  router.post('/', async (req, res) => {
    const body = parse(bodySchema, req.body, 'body');
    refuseTestHooks(deps.cfg, body.holdMs);
    const insightId = randomUUID();
    const jobId = insightJobId(insightId);
    await startJob(deps, insightWorkflow, {
      kind: 'insight',
      queue: 'nlp',
      jobId,
      userId: req.userId,
      priority: body.priority,
      args: [{ insightId, userId: req.userId, text: body.text, title: body.title, tags: body.tags, holdMs: body.holdMs }],
    });
    acceptedJob(res, jobId, { insightId });
  });

  router.get('/', async (req, res) => {
    const search = parse(searchInsightsQuery, req.query, 'query');
    const insights = await searchInsights(deps.db, req.userId, search);
    res.json({ insights, limit: search.limit, offset: search.offset });
  });

  router.get('/:insightId', async (req, res) => {
    const { insightId } = parse(insightIdParams, req.params, 'params');
    const insight = await getInsight(deps.db, req.userId, insightId);
    if (!insight) throw notFound(`insight ${insightId}`);
    res.json(insight);
  });

  router.post('/:insightId/labels', async (req, res) => {
    const { insightId } = parse(insightIdParams, req.params, 'params');
    const { category } = parse(labelBody, req.body, 'body');
    if (!(await labelInsight(deps.db, req.userId, insightId, category))) throw notFound(`insight ${insightId}`);
    res.status(201).json({ insightId, category });
  });

  return router;
}
