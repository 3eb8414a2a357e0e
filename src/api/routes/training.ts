import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { taskQueue, type Config } from '../../config';
import type { Db } from '../../db';
import { JOB_KIND, USER_ID } from '../../temporal/search-attributes';
import { trainingWorkflow } from '../../workflows';
import { requireAdmin } from '../auth';
import { HttpError, parse } from '../errors';
import { trainingRunBody } from '../schemas';

/** The one id of runs started through the API: at most one of them runs at a time. */
export const trainingJobId = (cfg: Config) => (cfg.taskQueuePrefix ? `${cfg.taskQueuePrefix}-training` : 'training');

/** Training replaces the model every user's insights are classified by, so only admins start it. */
export function trainingRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));

  router.post('/runs', async (req, res) => {
    const body = parse(trainingRunBody, req.body ?? {}, 'body');
    if (body.holdMs !== undefined && !deps.cfg.allowTestHooks) {
      throw new HttpError(400, 'invalid_request', 'body.holdMs: only accepted when ALLOW_TEST_HOOKS=true', {
        fields: [{ field: 'body.holdMs', message: 'test hooks are disabled' }],
      });
    }
    const queue = taskQueue('training', deps.cfg);
    const jobId = trainingJobId(deps.cfg);
    // The nightly schedule starts its runs under ids of its own; visibility finds those (it lags by a moment,
    // little against a run of minutes). Runs of the API race on the fixed id below instead, which is atomic.
    const { count } = await deps.client.workflow.count(
      `WorkflowType = 'trainingWorkflow' AND TaskQueue = '${queue}' AND ExecutionStatus = 'Running' AND WorkflowId != '${jobId}'`,
    );
    const running = () => new HttpError(409, 'already_running', 'a training run is in progress; wait for it to finish or cancel it', { jobId });
    if (count > 0) throw running();
    try {
      await deps.client.workflow.start(trainingWorkflow, {
        workflowId: jobId,
        taskQueue: queue,
        // A finished run's id may be used again, a running one's may not: the start fails instead.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        args: [{ minImprovement: body.minImprovement ?? deps.cfg.training.minImprovement, labelWeight: deps.cfg.training.labelWeight, holdMs: body.holdMs }],
        typedSearchAttributes: [
          { key: USER_ID, value: req.userId },
          { key: JOB_KIND, value: 'training' },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      throw running();
    }
    res.status(202).location(`/api/jobs/${jobId}`).json({ jobId });
  });

  return router;
}
