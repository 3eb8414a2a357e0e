import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { taskQueue, type Config } from '../../config';
import type { Db } from '../../db';
import { trainingWorkflow } from '../../workflows';
import { trainingJobId } from '../../workflows/identity';
import { requireAdmin } from '../auth';
import { HttpError, parse } from '../errors';
import { acceptedJob, refuseTestHooks, startJob } from '../start-job';
import { trainingRunBody } from '../schemas';

/** Training replaces the model every user's insights are classified by, so only admins start it. */
export function trainingRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();
  router.use(requireAdmin(deps.db));

  router.post('/runs', async (req, res) => {
    const body = parse(trainingRunBody, req.body ?? {}, 'body');
    refuseTestHooks(deps.cfg, body.holdMs);
    const queue = taskQueue('training', deps.cfg);
    const jobId = trainingJobId(deps.cfg.taskQueuePrefix);
    // The nightly schedule starts its runs under ids of its own; visibility finds those (it lags by a moment,
    // little against a run of minutes). Runs of the API race on the fixed id below instead, which is atomic.
    const { count } = await deps.client.workflow.count(
      `WorkflowType = 'trainingWorkflow' AND TaskQueue = '${queue}' AND ExecutionStatus = 'Running' AND WorkflowId != '${jobId}'`,
    );
    const running = () => new HttpError(409, 'already_running', 'a training run is in progress; wait for it to finish or cancel it', { jobId });
    if (count > 0) throw running();
    try {
      await startJob(deps, trainingWorkflow, {
        kind: 'training',
        queue: 'training',
        jobId,
        userId: req.userId,
        args: [{ minImprovement: body.minImprovement ?? deps.cfg.training.minImprovement, labelWeight: deps.cfg.training.labelWeight, holdMs: body.holdMs }],
        // A finished run's id may be used again, a running one's may not: the start fails instead.
        idPolicies: { workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE, workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      throw running();
    }
    acceptedJob(res, jobId, {});
  });

  return router;
}
