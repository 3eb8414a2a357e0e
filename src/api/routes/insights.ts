import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { taskQueue, type Config } from '../../config';
import { JOB_KIND, USER_ID } from '../../temporal/search-attributes';
import { insightWorkflow } from '../../workflows';
import { HttpError, parse } from '../errors';
import { insightBodySchema } from '../schemas';

export const insightJobId = (insightId: string) => `insight-${insightId}`;

export function insightRoutes(deps: { client: Client; cfg: Config }): Router {
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
    await deps.client.workflow.start(insightWorkflow, {
      workflowId: jobId,
      taskQueue: taskQueue('nlp', deps.cfg),
      args: [{ insightId, userId: req.userId, text: body.text, title: body.title, tags: body.tags, holdMs: body.holdMs }],
      typedSearchAttributes: [
        { key: USER_ID, value: req.userId },
        { key: JOB_KIND, value: 'insight' },
      ],
    });
    res.status(202).location(`/api/jobs/${jobId}`).json({ insightId, jobId });
  });

  return router;
}
