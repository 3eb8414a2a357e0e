import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { taskQueue, type Config } from '../../config';
import { JOB_KIND, USER_ID } from '../../temporal/search-attributes';
import { insightWorkflow } from '../../workflows';
import { insightJobId } from '../../workflows/insight';
import type { Db } from '../../db';
import { HttpError, notFound, parse } from '../errors';
import { getInsight, labelInsight, searchInsights } from '../insight-queries';
import { jobPriority } from '../priority';
import { jobsStarted } from '../../monitoring/app-metrics';
import { insightBodySchema, insightIdParams, labelBody, searchInsightsQuery } from '../schemas';

export function insightRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  const bodySchema = insightBodySchema(deps.cfg.api.maxTextChars);

  router.post('/', async (req, res) => {
    const body = parse(bodySchema, req.body, 'body');
    if (body.holdMs !== undefined && !deps.cfg.allowTestHooks) {
      throw new HttpError(400, 'invalid_request', 'body.holdMs: only accepted when ALLOW_TEST_HOOKS=true', {
        fields: [{ field: 'body.holdMs', message: 'test hooks are disabled' }],
      });
    }
    const insightId = randomUUID();
    const jobId = insightJobId(insightId);
    const priority = await jobPriority(deps.client, deps.cfg, req.userId, body.priority);
    await deps.client.workflow.start(insightWorkflow, {
      workflowId: jobId,
      taskQueue: taskQueue('nlp', deps.cfg),
      priority,
      args: [{ insightId, userId: req.userId, text: body.text, title: body.title, tags: body.tags, holdMs: body.holdMs }],
      typedSearchAttributes: [
        { key: USER_ID, value: req.userId },
        { key: JOB_KIND, value: 'insight' },
      ],
    });
    jobsStarted.inc({ kind: 'insight', priority: priority.priorityKey });
    res.status(202).location(`/api/jobs/${jobId}`).json({ insightId, jobId });
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
